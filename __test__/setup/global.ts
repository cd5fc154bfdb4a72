/** Runs once before all test files: tests that spawn Node use the built dist/. */
import { ensureDist } from '../helpers/dist.js';

export default function setup(): void {
  ensureDist();
}
