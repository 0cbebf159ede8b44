import type { Substitution } from './domain/substitution.js';
import type { Email, QuarantinedEmail } from './domain/email-types.js';
import type { Partner, Person, Stage, Task, TaskEntry, Operator, Register } from './domain/types.js';
import type { TaskResponse } from './domain/work-types.js';
import type { Notification } from './domain/notify-types.js';
import type { Campaign, CampaignLink, CampaignMember, Offer, OfferStatus, Opportunity, SalesDocument, StageChange } from './domain/sales-types.js';

/** Domain events, emitted on `crm.events$` after the change they describe has committed. */
export type DomainEvent =
  | { type: 'operator.created'; operator: Operator }
  | { type: 'operator.handed_over'; from: string; to: string; counts: Record<string, number> }
  | { type: 'substitution.created' | 'substitution.ended'; substitution: Substitution }
  | { type: 'partner.created'; partner: Partner }
  | { type: 'partner.updated'; partner: Partner; changed: string[] }
  | { type: 'person.created'; person: Person }
  | { type: 'person.updated'; person: Person; changed: string[] }
  | { type: 'register.created'; register: Register }
  | { type: 'task.created'; task: Task }
  | { type: 'task.updated'; task: Task; changed: string[] }
  | { type: 'task.status_changed'; task: Task; from: Task['status']; to: Task['status'] }
  | { type: 'task.closed'; task: Task }
  | { type: 'stage.added'; stage: Stage }
  | { type: 'stage.completed'; stage: Stage }
  | { type: 'entry.added'; entry: TaskEntry }
  /** Someone other than the issuer answered, commented on, completed or cancelled a task: notify the issuer. */
  | { type: 'task.responded'; response: TaskResponse; task: Task }
  | { type: 'campaign.created'; campaign: Campaign }
  | { type: 'campaign.updated'; campaign: Campaign; changed: string[] }
  | { type: 'campaign.member_changed'; member: CampaignMember; campaign: Campaign }
  | { type: 'campaign.linked' | 'campaign.unlinked'; link: CampaignLink; campaign: Campaign }
  | { type: 'opportunity.created'; opportunity: Opportunity }
  | { type: 'opportunity.updated'; opportunity: Opportunity; changed: string[] }
  | { type: 'opportunity.stage_changed'; opportunity: Opportunity; change: StageChange }
  | { type: 'offer.created'; offer: Offer }
  | { type: 'offer.status_changed'; offer: Offer; from: OfferStatus; to: OfferStatus }
  | { type: 'document.linked' | 'document.cancelled'; document: SalesDocument }
  | { type: 'email.ingested'; email: Email; taskId: string | null; createdTask: boolean }
  | { type: 'email.quarantined'; item: QuarantinedEmail }
  | { type: 'email.deleted_on_server'; account: string; mailbox: string; uidValidity: number; count: number }
  | { type: 'notification.created'; notification: Notification }
  | { type: 'notification.read'; operatorId: string; ids: string[] }
  | { type: string & {}; [key: string]: unknown };

export type DomainEventType = DomainEvent['type'];
