import { inUnit, type Context, type Unit, inRead } from '../context.js';
import type { CustomFields, Partner, Person } from '../domain/types.js';
import { invalid } from '../errors.js';
import { newId } from '../ids.js';
import { where } from '../store/filter.js';
import type { Page } from '../store/store.js';
import * as v from '../validate.js';
import { e164List } from '../domain/phone.js';
import { lookupAddress, syncContactKeys } from './contact-keys.js';

export interface PersonInput {
  partnerId?: string | null;
  firstName: string;
  lastName: string;
  emails?: string[];
  phones?: string[];
  position?: string | null;
  /** Opted out of serial mail. */
  mailOptOut?: boolean;
  customFields?: CustomFields;
}

function checkFields(patch: Partial<PersonInput>, phoneCountry?: string | null): Partial<Person> {
  const input = v.definedOnly(patch);
  const out: Partial<Person> = {};
  if ('partnerId' in input) out.partnerId = v.id('person.partnerId', input.partnerId, true);
  if ('firstName' in input) out.firstName = v.text('person.firstName', input.firstName, {});
  if ('lastName' in input) out.lastName = v.text('person.lastName', input.lastName, {});
  if ('emails' in input) out.emails = v.emails('person.emails', input.emails);
  if ('phones' in input) out.phones = e164List('person.phones', input.phones, phoneCountry);
  if ('position' in input) out.position = v.text('person.position', input.position, { optional: true });
  if ('mailOptOut' in input) out.mailOptOut = v.boolean('person.mailOptOut', input.mailOptOut);
  if ('customFields' in input) out.customFields = v.customFields('person.customFields', input.customFields);
  return out;
}

export const fullName = (p: Pick<Person, 'firstName' | 'lastName'>) => `${p.firstName} ${p.lastName}`;

/** Contact persons (osoby kontaktowe), at a partner or on their own. */
export function personsModule(ctx: Context) {
  return {
    /** Creates a contact person; addresses are indexed for e-mail matching. */
    create(input: PersonInput): Promise<Person> {
      return inUnit(ctx, (unit) => createPerson(unit, input, ctx.settings.phoneCountry));
    },

    get(id: string): Promise<Person> {
      return inRead(ctx, (unit) => unit.load<Person>('persons', id, 'person'));
    },

    update(id: string, patch: Partial<PersonInput>, options: { expectedVersion?: number } = {}): Promise<Person> {
      return inUnit(ctx, async (unit) => {
        const person = await unit.load<Person>('persons', id, 'person');
        const fields = checkFields(patch, ctx.settings.phoneCountry);
        if (fields.partnerId) await unit.load<Partner>('partners', fields.partnerId, 'partner');
        const changed = v.changedFields(person, fields);
        const saved = await unit.save('persons', person, { ...fields, updatedAt: unit.now }, options.expectedVersion);
        if (fields.emails) await syncContactKeys(unit, 'person', id, { emails: saved.emails });
        if (changed.includes('partnerId')) await unit.audit('person', id, 'partnerId', person.partnerId, saved.partnerId);
        unit.emit({ type: 'person.updated', person: saved, changed });
        return saved;
      });
    },

    /** Persons of a partner (or all), ordered by last name. */
    list(query: { partnerId?: string; search?: string; limit?: number; cursor?: string } = {}): Promise<Page<Person>> {
      const search = query.search?.trim();
      return ctx.store.find<Person>('persons', {
        where: where.and(
          query.partnerId ? where.eq('partnerId', query.partnerId) : undefined,
          search ? where.or(where.contains('lastName', search, true), where.contains('firstName', search, true)) : undefined,
        ),
        sort: [{ field: 'lastName' }, { field: 'firstName' }],
        limit: query.limit ?? 50,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /** Persons who have this address (any spelling of it; `jan+tag@…` is jan@…). */
    findByEmail(address: string): Promise<Person[]> {
      return inRead(ctx, (unit) => personsByEmail(unit, address));
    },
  };
}

export async function personsByEmail(unit: Unit, address: string): Promise<Person[]> {
  const keys = await lookupAddress(unit, v.email('email', address), 'person');
  const persons = await Promise.all(keys.map((k) => unit.tx.get<Person>('persons', k.ownerId)));
  return persons.filter((p): p is Person => p !== null);
}

/** Creates a person in `unit`; phone numbers without a country code are read in `phoneCountry`. */
export async function createPerson(unit: Unit, input: PersonInput, phoneCountry?: string | null): Promise<Person> {
  if (!input || typeof input !== 'object') throw invalid('person', 'must be an object', input);
  const fields = checkFields({ ...input }, phoneCountry);
  if (fields.firstName === undefined) throw invalid('person.firstName', 'must not be empty', '');
  if (fields.lastName === undefined) throw invalid('person.lastName', 'must not be empty', '');
  if (fields.partnerId) await unit.load<Partner>('partners', fields.partnerId, 'partner');
  const person: Person = {
    id: newId(unit.now.getTime()),
    version: 1,
    partnerId: fields.partnerId ?? null,
    firstName: fields.firstName,
    lastName: fields.lastName,
    emails: fields.emails ?? [],
    phones: fields.phones ?? [],
    position: fields.position ?? null,
    mailOptOut: fields.mailOptOut ?? false,
    customFields: fields.customFields ?? {},
    createdAt: unit.now,
    updatedAt: unit.now,
  };
  await unit.tx.create('persons', person);
  await syncContactKeys(unit, 'person', person.id, { emails: person.emails });
  await unit.timeline({
    partnerId: person.partnerId,
    personId: person.id,
    kind: 'person.created',
    subjectType: 'person',
    subjectId: person.id,
    title: fullName(person),
    data: { position: person.position },
  });
  unit.emit({ type: 'person.created', person });
  return person;
}
