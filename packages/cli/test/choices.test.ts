import { describe, expect, it } from 'vitest';
import * as core from '@rapport/core';
import * as choices from '../src/choices.js';

describe('option choices', () => {
  it("the command line offers exactly core's closed lists (copied so that --help does not load core)", () => {
    expect(choices.TASK_STATUSES).toEqual(core.TASK_STATUSES);
    expect(choices.HAND_OVER_KINDS).toEqual(core.HAND_OVER_KINDS);
    expect(choices.UNKNOWN_SENDER_POLICIES).toEqual(core.UNKNOWN_SENDER_POLICIES);
    expect(choices.ACCESS_ACTIONS).toEqual(core.ACCESS_ACTIONS);
    expect(choices.SEARCH_KINDS).toEqual(core.SEARCH_KINDS);
  });
});
