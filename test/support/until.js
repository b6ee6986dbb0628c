'use strict';
// Waiting for something that happens a moment later (a redraw, a reconnection, a key expiring), without a fixed
// pause standing in for it.

/** Resolves once `condition()` (sync or async) holds; fails naming `what` after `timeoutMs`. */
async function until(condition, what = 'a condition', timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

module.exports = { until };
