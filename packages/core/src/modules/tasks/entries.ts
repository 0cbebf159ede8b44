import type { Readable } from 'node:stream';
import { inUnit, type Context, type Unit } from '../../context.js';
import type { Task, TaskEntry } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import type { Page } from '../../store/store.js';
import * as v from '../../validate.js';
import { timelineTarget } from './fields.js';
import { recordResponse } from '../inbox/record.js';

async function addEntry(unit: Unit, task: Task, entry: Omit<TaskEntry, 'id' | 'version' | 'taskId' | 'at' | 'createdBy'>, title: string): Promise<TaskEntry> {
  const record: TaskEntry = { id: newId(unit.now.getTime()), version: 1, taskId: task.id, at: unit.now, createdBy: unit.actorId, ...entry };
  await unit.tx.create('task_entries', record);
  await unit.timeline({ ...timelineTarget(task), kind: `entry.${record.kind}`, title, data: { taskNumber: task.number, entryId: record.id } });
  await unit.save('tasks', task, { updatedAt: unit.now });
  unit.emit({ type: 'entry.added', entry: record });
  await recordResponse(unit, task, { kind: 'entry', entryId: record.id, summary: title });
  return record;
}

/** Notes, files and document links of tasks. */
export function entriesApi(ctx: Context) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);
  const loadTask = (unit: Unit, id: string) => unit.load<Task>('tasks', id, 'task');

  return {
    /** Adds a note (notatka): a summary of a call or meeting. */
    addNote(taskId: string, body: string): Promise<TaskEntry> {
      return run(async (unit) => {
        const text = v.text('note.body', body, { max: 100_000 });
        return addEntry(unit, await loadTask(unit, taskId), { kind: 'note', body: text, file: null, link: null, emailId: null }, text.slice(0, 120));
      });
    },

    /** Streams a file into the BlobStore and attaches it to the task. */
    async attachFile(taskId: string, file: { source: Readable | Uint8Array; filename: string; contentType?: string }): Promise<TaskEntry> {
      if (!ctx.blobs) throw new RapportError('VALIDATION', 'attachFile needs a BlobStore: pass `blobs` to createCrm (e.g. fsBlobStore({ dir }))');
      const filename = v.text('file.filename', file?.filename, { max: 255 });
      const contentType = v.text('file.contentType', file.contentType ?? 'application/octet-stream', { max: 255 });
      if (!file.source || typeof file.source !== 'object') throw invalid('file.source', 'must be a readable stream or bytes', file.source);
      await ctx.store.get('tasks', taskId).then((t) => t ?? Promise.reject(new RapportError('NOT_FOUND', `task ${JSON.stringify(taskId)} does not exist`)));
      const blob = await ctx.blobs.put(file.source);
      return run(async (unit) =>
        addEntry(
          unit,
          await loadTask(unit, taskId),
          { kind: 'file', body: null, file: { blobKey: blob.key, filename, contentType, size: blob.size, sha256: blob.sha256 }, link: null, emailId: null },
          filename,
        ),
      );
    },

    /** Opens the bytes of a file entry as a stream. */
    async openFile(entryId: string): Promise<Readable> {
      const entry = await ctx.store.get<TaskEntry>('task_entries', entryId);
      if (!entry || !entry.file) throw new RapportError('NOT_FOUND', `file entry ${JSON.stringify(entryId)} does not exist`);
      if (!ctx.blobs) throw new RapportError('VALIDATION', 'openFile needs a BlobStore: pass `blobs` to createCrm');
      return ctx.blobs.get(entry.file.blobKey);
    },

    /** Links a document of the host application (order, invoice, offer) to the task. */
    linkDocument(
      taskId: string,
      doc: { docType: string; docId: string; number?: string | null; amount?: number | null; currency?: string | null },
    ): Promise<TaskEntry> {
      return run(async (unit) => {
        const link = {
          docType: v.text('link.docType', doc?.docType, { max: 64 }),
          docId: v.text('link.docId', doc?.docId, { max: 128 }),
          number: v.text('link.number', doc?.number, { max: 128, optional: true }),
          amount: v.integer('link.amount', doc?.amount, { optional: true }),
          currency: doc?.currency ? v.text('link.currency', doc.currency, { max: 3 }).toUpperCase() : null,
        };
        return addEntry(
          unit,
          await loadTask(unit, taskId),
          { kind: 'link', body: null, file: null, link, emailId: null },
          `${link.docType} ${link.number ?? link.docId}`,
        );
      });
    },

    /** Entries of a task (notes, files, links, e-mails), oldest first. */
    async entries(taskId: string, query: { limit?: number; cursor?: string } = {}): Promise<Page<TaskEntry>> {
      if (!(await ctx.store.get('tasks', taskId))) throw new RapportError('NOT_FOUND', `task ${JSON.stringify(taskId)} does not exist`);
      return ctx.store.find<TaskEntry>('task_entries', {
        where: where.eq('taskId', taskId),
        sort: [{ field: 'at' }],
        limit: query.limit ?? 100,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },
  };
}
