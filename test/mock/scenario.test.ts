import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  checkScenario,
  checkScenarioRequest,
  mergeScenarios,
  parseScenarioTokens,
  resolveScenario,
  ScenarioStore,
  scenarioFromPrefer,
  takeMockParam,
} from '../../mock/src/scenario.js';

describe('parseScenarioTokens', () => {
  it('reads every scenario token', () => {
    expect(parseScenarioTokens('delay=10, drop-after=3, truncate, refuse=503, invalid-payload')).toEqual({
      scenario: { delayMs: 10, dropAfter: 3, truncate: true, refuse: 503, invalidPayload: true },
      malformed: [],
      unknown: [],
    });
  });

  it('sets Prism’s own tokens aside as unknown, untouched', () => {
    const parsed = parseScenarioTokens('code=404, example=notFound, delay=5, dynamic=true');
    expect(parsed.scenario).toEqual({ delayMs: 5 });
    expect(parsed.unknown).toEqual(['code=404', 'example=notFound', 'dynamic=true']);
    expect(parsed.malformed).toEqual([]);
  });

  it('reports malformed values of known tokens', () => {
    const parsed = parseScenarioTokens('delay=soon, drop-after=-1, refuse=42, refuse=600, truncate=maybe, invalid-payload=, delay=7');
    expect(parsed.scenario).toEqual({ delayMs: 7 });
    expect(parsed.malformed).toEqual(['delay=soon', 'drop-after=-1', 'refuse=42', 'refuse=600', 'truncate=maybe', 'invalid-payload=']);
  });

  it('accepts quotes, any case, semicolons, explicit booleans and empty tokens', () => {
    expect(parseScenarioTokens('DELAY="25"; Truncate=false,, invalid-payload=true ,drop-after = 0').scenario).toEqual({
      delayMs: 25,
      truncate: false,
      invalidPayload: true,
      dropAfter: 0,
    });
    expect(parseScenarioTokens('').scenario).toEqual({});
  });
});

describe('scenarioFromPrefer (headers, query parameters: lenient)', () => {
  it('ignores malformed and unknown tokens and keeps the rest', () => {
    expect(scenarioFromPrefer('code=500, delay=oops, drop-after=2')).toEqual({ dropAfter: 2 });
  });
  it('lets later values win', () => {
    expect(scenarioFromPrefer(['delay=1, truncate', 'delay=2'])).toEqual({ delayMs: 2, truncate: true });
    expect(scenarioFromPrefer(undefined)).toEqual({});
  });
});

describe('checkScenario (control route, setScenario: strict)', () => {
  it('accepts an object or a token string', () => {
    expect(checkScenario({ delayMs: 2.5, dropAfter: 0, truncate: false, refuse: 503, invalidPayload: true })).toEqual({
      ok: true,
      value: { delayMs: 2.5, dropAfter: 0, truncate: false, refuse: 503, invalidPayload: true },
    });
    expect(checkScenario('drop-after=3, truncate')).toEqual({ ok: true, value: { dropAfter: 3, truncate: true } });
    expect(checkScenario({})).toEqual({ ok: true, value: {} });
  });

  it.each([
    [{ delayMs: -1 }, /delayMs/],
    [{ delayMs: '10' }, /delayMs/],
    [{ dropAfter: 1.5 }, /dropAfter/],
    [{ refuse: 101 }, /refuse/],
    [{ truncate: 'yes' }, /truncate/],
    [{ invalidPayload: 1 }, /invalidPayload/],
    [{ delay: 10 }, /unknown scenario field.*delay/],
    ['delay=soon', /malformed.*delay=soon/],
    ['code=404', /unknown scenario token.*code=404/],
    [null, /object or a token string/],
    [[1], /object or a token string/],
  ])('rejects %j', (input, error) => {
    const checked = checkScenario(input);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? '' : checked.error).toMatch(error);
  });
});

describe('checkScenarioRequest', () => {
  it('accepts {api, scenario, times?}', () => {
    expect(checkScenarioRequest({ api: 'agent', scenario: { dropAfter: 1 }, times: 2 })).toEqual({
      ok: true,
      value: { api: 'agent', scenario: { dropAfter: 1 }, times: 2 },
    });
    expect(checkScenarioRequest({ api: 'ray', scenario: 'truncate', times: null })).toEqual({
      ok: true,
      value: { api: 'ray', scenario: { truncate: true }, times: undefined },
    });
  });
  it.each([
    [{ api: 'nope', scenario: {} }, /api must be one of/],
    [{ scenario: {} }, /api must be one of/],
    [{ api: 'agent', scenario: {}, times: 0 }, /times/],
    [{ api: 'agent', scenario: {}, times: 1.5 }, /times/],
    [{ api: 'agent', scenario: {}, extra: 1 }, /unknown field.*extra/],
    [{ api: 'agent' }, /scenario must be/],
    ['agent', /JSON object/],
  ])('rejects %j', (body, error) => {
    const checked = checkScenarioRequest(body);
    expect(checked.ok ? '' : checked.error).toMatch(error);
  });
});

describe('ScenarioStore', () => {
  it('keeps a scenario until reset, or for `times` stream requests', () => {
    const store = new ScenarioStore();
    store.set('agent', { dropAfter: 1 });
    store.set('hosted', { truncate: true }, 2);
    expect(store.take('agent')).toEqual({ dropAfter: 1 });
    expect(store.take('agent')).toEqual({ dropAfter: 1 });
    expect(store.take('hosted')).toEqual({ truncate: true });
    expect(store.snapshot()).toEqual({ agent: { scenario: { dropAfter: 1 }, times: undefined }, hosted: { scenario: { truncate: true }, times: 1 } });
    expect(store.take('hosted')).toEqual({ truncate: true });
    expect(store.take('hosted')).toBeUndefined();
    expect(store.take('ray')).toBeUndefined();
    store.reset();
    expect(store.take('agent')).toBeUndefined();
  });

  it('throws ValidationError for an invalid scenario', () => {
    const store = new ScenarioStore();
    expect(() => store.set('agent', { refuse: 42 })).toThrow(ValidationError);
    expect(() => store.set('agent', {}, 0)).toThrow(/times/);
    expect(() => store.set('nope' as never, {})).toThrow(/api must be one of/);
    try {
      store.set('agent', { delayMs: -5 });
    } catch (error) {
      expect((error as ValidationError).code).toBe('INVALID_SCENARIO');
    }
    expect(store.snapshot()).toEqual({});
  });
});

describe('resolveScenario', () => {
  it('merges stored, then Prefer, then __mock, field by field', () => {
    let takes = 0;
    const take = () => {
      takes += 1;
      return { delayMs: 5, dropAfter: 1, refuse: 503 };
    };
    expect(resolveScenario(take, 'code=200, drop-after=2, truncate', ['truncate=false,refuse=bad'])).toEqual({
      delayMs: 5,
      dropAfter: 2,
      truncate: false,
      refuse: 503,
    });
    expect(takes).toBe(1);
    expect(mergeScenarios(undefined, { truncate: true }, {})).toEqual({ truncate: true });
  });
});

describe('takeMockParam', () => {
  it('removes every __mock parameter and returns their values', () => {
    const url = new URL('http://127.0.0.1/agent/jobs/x/logs/?a=1&__mock=drop-after%3D3&b=2&__mock=truncate');
    expect(takeMockParam(url)).toEqual(['drop-after=3', 'truncate']);
    expect(url.search).toBe('?a=1&b=2');
    expect(takeMockParam(url)).toEqual([]);
  });
});
