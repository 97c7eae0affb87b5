/**
 * Onset lags of a label sequence for high-volatility episodes. An episode is a maximal stretch of
 * consecutive bars whose forward volatility is in the top decile (`target[t] === 1`; 0 = not, −1 =
 * undefined, which ends an episode). Its onset lag is the number of bars from the episode's first
 * bar to the first bar labelled `crisisState` at or after it (0 when already in Crisis), looking
 * at most `horizon` bars ahead (the forward window the episode is about); an episode with no
 * Crisis label in that window is missed.
 *
 * @example
 * ```ts
 * onsetLags(Int8Array.of(0, 0, 1, 2, 2), Int8Array.of(0, 1, 1, 1, 0), 2, 60); // { lags: [2], missed: 0 }
 * ```
 */
export function onsetLags(
  state: ArrayLike<number>,
  target: ArrayLike<number>,
  crisisState: number,
  horizon: number,
): { lags: number[]; missed: number } {
  const lags: number[] = [];
  let missed = 0;
  const n = state.length;
  for (let t = 0; t < n; t++) {
    if (target[t] !== 1 || (t > 0 && target[t - 1] === 1)) continue;
    let lag = -1;
    for (let j = 0; j <= horizon && t + j < n; j++) {
      if (state[t + j] === crisisState) {
        lag = j;
        break;
      }
    }
    if (lag >= 0) lags.push(lag);
    else missed++;
  }
  return { lags, missed };
}
