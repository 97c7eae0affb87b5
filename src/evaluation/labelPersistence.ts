/**
 * How persistent a label sequence is, from its runs (maximal stretches of consecutive warm bars
 * with the same state). Counted by {@link labelPersistence}.
 *
 * @example
 * ```ts
 * const p = labelPersistence(Int8Array.of(0, 0, 1, 0, 0), 3); // 3 runs, 2 switches, 1 flip
 * console.log(p.shortRuns / p.runs, p.flips / p.interiorRuns);
 * ```
 */
export interface LabelPersistence {
  /** Runs of consecutive warm bars in one state. */
  runs: number;
  /** Changes of state between two consecutive warm bars (a cold stretch is no switch). */
  switches: number;
  /** Runs of at most `shortRunBars` bars. */
  shortRuns: number;
  /** Runs with a run before and after them in the same warm stretch. */
  interiorRuns: number;
  /** Interior runs of at most `shortRunBars` bars whose neighbours have the same state: A-B-A. */
  flips: number;
}

/**
 * Counts runs, switches, short runs and A-B-A flips of a label sequence (−1 = cold bar, which ends
 * a run and starts a new warm stretch). A run cut by the start or end of the span or by a cold
 * stretch still counts as a run of the length seen.
 *
 * @example
 * ```ts
 * labelPersistence(Int8Array.of(0, 0, 1, 0, 0, -1, 2), 3);
 * // { runs: 4, switches: 2, shortRuns: 4, interiorRuns: 1, flips: 1 }
 * ```
 */
export function labelPersistence(state: ArrayLike<number>, shortRunBars: number): LabelPersistence {
  const out: LabelPersistence = { runs: 0, switches: 0, shortRuns: 0, interiorRuns: 0, flips: 0 };
  // The current warm stretch's last three runs: states and the middle one's length.
  let before = -1;
  let middle = -1;
  let middleLength = 0;
  let current = -1;
  let length = 0;
  const closeRun = () => {
    if (current < 0) return;
    out.runs++;
    if (length <= shortRunBars) out.shortRuns++;
    if (middle >= 0 && before >= 0) {
      out.interiorRuns++;
      if (before === current && middleLength <= shortRunBars) out.flips++;
    }
    before = middle;
    middle = current;
    middleLength = length;
  };
  for (let t = 0; t < state.length; t++) {
    const s = state[t];
    if (s === current) {
      length++;
      continue;
    }
    closeRun();
    if (s < 0) {
      before = -1;
      middle = -1;
      current = -1;
      length = 0;
      continue;
    }
    if (current >= 0) out.switches++;
    current = s;
    length = 1;
  }
  closeRun();
  return out;
}
