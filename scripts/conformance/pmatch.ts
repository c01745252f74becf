import type { SectionResult } from './section.js';
export async function run(_corpus: string): Promise<SectionResult> {
  return { section: 'pmatch', rows: [], failures: [] };
}
