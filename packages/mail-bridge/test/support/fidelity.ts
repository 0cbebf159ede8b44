import { isFreemail, type Crm, type Email, type Partner, type Person, type Store } from '@rapport/core';
import { OPERATORS, OWN_DOMAINS, PARTNERS, PERSONS, type LabelledMessage } from './labelled-mailbox.js';

/** Seeded records by id: partner codes and person keys of the labels. */
export interface World {
  partners: Map<string, string>;
  persons: Map<string, string>;
}

/** What the labelled mailbox starts from: operators, partners and persons, as a user enters them. */
export async function seedWorld(crm: Crm): Promise<World> {
  for (const op of OPERATORS) await crm.operators.create(op);
  const world: World = { partners: new Map(), persons: new Map() };
  const ids = new Map<string, string>();
  for (const p of PARTNERS) {
    const partner = await crm.partners.create(p);
    ids.set(p.code, partner.id);
    world.partners.set(partner.id, p.code);
  }
  for (const { key, partner, ...p } of PERSONS) world.persons.set((await crm.persons.create({ ...p, partnerId: ids.get(partner)! })).id, key);
  return world;
}

export interface Scores {
  messages: number;
  correct: Record<'partner' | 'person' | 'thread' | 'task', number>;
  /** Partners whose e-mail domains are free-mail or our own. */
  freeOrOwnPartners: string[];
  /** Messages linked to someone their spoofed display name claimed. */
  spoofLinks: number;
  failures: string[];
}

const own = (d: string) => OWN_DOMAINS.some((o) => d === o || d.endsWith(`.${o}`));

/** Scores what the CRM made of the mailbox against its labels (a second door: read straight from the store). */
export async function score(crm: Crm, store: Store, world: World, mailbox: LabelledMessage[]): Promise<Scores> {
  const partners = new Map((await store.find<Partner>('partners', { limit: 10_000 })).items.map((p) => [p.id, p]));
  const persons = new Map((await store.find<Person>('persons', { limit: 10_000 })).items.map((p) => [p.id, p]));
  const partnerName = (id: string | null) => {
    if (!id) return null;
    const p = partners.get(id);
    return world.partners.get(id) ?? (p ? `new:${p.emailDomains[0] ?? '?'}` : `?${id}`);
  };
  const personName = (id: string) => {
    const p = persons.get(id);
    return world.persons.get(id) ?? (p ? `new:${p.emails[0] ?? '?'}` : `?${id}`);
  };
  const emails = new Map((await store.find<Email>('emails', { limit: 10_000 })).items.map((e) => [e.messageKey, e]));
  const taskPartner = new Map<string, string | null>();
  for (const e of emails.values())
    if (e.taskId && !taskPartner.has(e.taskId)) taskPartner.set(e.taskId, partnerName((await crm.tasks.get(e.taskId)).partnerId));

  const threadTask = new Map<string, string>();
  const taskThread = new Map<string, string>();
  const correct = { partner: 0, person: 0, thread: 0, task: 0 };
  const failures: string[] = [];
  let spoofLinks = 0;
  for (const m of mailbox) {
    const e = emails.get(m.messageId);
    const { label } = m;
    const fail = (what: string, got: unknown, want: unknown) =>
      failures.push(`${label.rule} ${m.messageId} ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    if (!e) {
      fail('stored', null, 'an e-mail');
      continue;
    }
    const gotPartners = [...new Set(e.partnerIds.map(partnerName))].sort();
    const gotPersons = [...new Set(e.personIds.map(personName))].sort();
    const gotTaskPartner = e.taskId ? taskPartner.get(e.taskId)! : null;
    if (JSON.stringify(gotPartners) === JSON.stringify(label.partners) && gotTaskPartner === label.taskPartner) correct.partner++;
    else fail('partner', [gotPartners, gotTaskPartner], [label.partners, label.taskPartner]);
    if (JSON.stringify(gotPersons) === JSON.stringify(label.persons)) correct.person++;
    else fail('person', gotPersons, label.persons);
    if ((e.taskId !== null) === (label.thread !== null)) correct.task++;
    else fail('task', e.taskId, label.thread);
    // The first message of a conversation names its task; the others must be on it, and no
    // other conversation may share it.
    if (label.thread && e.taskId && !threadTask.has(label.thread) && !taskThread.has(e.taskId)) {
      threadTask.set(label.thread, e.taskId);
      taskThread.set(e.taskId, label.thread);
    }
    const threadOk = label.thread === null ? e.taskId === null : e.taskId !== null && threadTask.get(label.thread) === e.taskId;
    if (threadOk) correct.thread++;
    else fail('thread', e.taskId ? (taskThread.get(e.taskId) ?? 'a task of its own') : null, label.thread);
    if (label.spoofOf && [...gotPartners, ...gotPersons].some((x) => label.spoofOf!.includes(x!))) spoofLinks++;
  }
  const freeOrOwnPartners = [...partners.values()].filter((p) => p.emailDomains.some((d) => isFreemail(d) || own(d))).map((p) => p.code);
  return { messages: mailbox.length, correct, freeOrOwnPartners, spoofLinks, failures };
}

/** One line per category, as the closing note reports them. */
export function describeScores(name: string, s: Scores): string {
  const pct = (n: number) => `${((100 * n) / s.messages).toFixed(1)}% (${n}/${s.messages})`;
  return [
    `${name}: partner ${pct(s.correct.partner)}, person ${pct(s.correct.person)}, thread ${pct(s.correct.thread)}, task-or-not ${pct(s.correct.task)}; ` +
      `free-mail/own partners ${s.freeOrOwnPartners.length}, spoofed links ${s.spoofLinks}`,
    ...s.failures.slice(0, 40).map((f) => `  ${f}`),
  ].join('\n');
}
