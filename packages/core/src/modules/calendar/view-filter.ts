import type { Context } from '../../context.js';
import { coreSchema } from '../../domain/schema.js';
import { invalid } from '../../errors.js';
import type { Filter } from '../../store/filter.js';
import { checkSpec } from '../views/compile.js';
import { viewsModule } from '../views/index.js';
import { prepare } from '../views/run.js';

/** The task filter of a view (saved and usable by the actor, or built in), with its relative dates resolved in `timeZone`. */
export async function viewTaskFilter(ctx: Context, idOrName: string, timeZone: string): Promise<Filter | undefined> {
  const view = await viewsModule(ctx).get(idOrName);
  if (view.kind !== 'tasks') throw invalid('calendar.taskView', `must be a view of tasks (view ${view.name} shows ${view.kind})`, idOrName);
  const env = { now: ctx.clock.now(), timeZone, actorId: ctx.actorId };
  return prepare(checkSpec(coreSchema, view.spec, env), env).where;
}
