/** The repository reads time from the shared `Clock` (src/clock.ts). */
export { systemClock, type Clock } from '../clock.js';
