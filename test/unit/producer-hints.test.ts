import { describe, expect, it } from 'vitest';
import { ProducerHints } from '../../src/capture/producer-hints';

const step = (activityId: string) => ({ workflowId: 'wf', runId: 'r', activityId });

describe('producer hints kept in the workflow sandbox', () => {
  it('names the producer of equal objects by identity, at each argument path', () => {
    const hints = new ProducerHints();
    const first = { kind: 'Metrics', accuracy: 0.9 };
    const second = { kind: 'Metrics', accuracy: 0.9 };
    hints.remember(first, step('1'));
    hints.remember(second, step('2'));
    expect(hints.hintsFor([second, { nested: { model: first } }])).toEqual([
      { path: 'args[0]', ...step('2') },
      { path: 'args[1].nested.model', ...step('1') },
    ]);
    // A copy is not the object the step returned: no hint (the store's run-tree rule decides).
    expect(hints.hintsFor([{ ...first }])).toEqual([]);
  });

  it('names nested result objects, and odd keys as capture writes their paths', () => {
    const hints = new ProducerHints();
    const result = { 'a model': { uri: 'mem://m' }, list: [{ uri: 'mem://n' }] };
    hints.remember(result, step('7'));
    expect(hints.hintsFor([{ x: result['a model'] }, result.list[0]])).toEqual([
      { path: 'args[1]', ...step('7') },
      { path: 'args[0].x', ...step('7') },
    ]);
    const odd = { 'a model': result['a model'] };
    expect(hints.hintsFor([odd]).map((h) => h.path)).toEqual(['args[0]["a model"]']);
  });

  it('tells equal primitives apart by the steps that fed them, else takes the latest', () => {
    const hints = new ProducerHints();
    const [model3, model5] = [{ uri: 'm3' }, { uri: 'm5' }];
    hints.remember(model3, step('train3'));
    hints.remember(model5, step('train5'));
    // score5 runs first, so score3 is the latest producer of 7.
    hints.hintsFor([model5], step('score5'));
    hints.remember(7, step('score5'));
    hints.hintsFor([model3], step('score3'));
    hints.remember(7, step('score3'));
    expect(hints.hintsFor([model5, 7])).toEqual([
      { path: 'args[0]', ...step('train5') },
      { path: 'args[1]', ...step('score5') },
    ]);
    expect(hints.hintsFor([7])).toEqual([{ path: 'args[0]', ...step('score3') }]);
  });

  it('remembers what a run received, as the header named its producers', () => {
    const hints = new ProducerHints();
    const carried = { kind: 'Metrics', accuracy: 0.5 };
    hints.rememberReceived(
      [carried, 3],
      [
        { path: 'args[0]', workflowId: 'wf', runId: 'previous', activityId: '4' },
        { path: 'args[1]', workflowId: 'parent' },
      ],
    );
    expect(hints.hintsFor([3, carried])).toEqual([
      { path: 'args[1]', workflowId: 'wf', runId: 'previous', activityId: '4' },
      { path: 'args[0]', workflowId: 'parent' },
    ]);
  });
});
