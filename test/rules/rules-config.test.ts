// The `rules` section: what saker loads when nothing is configured, and what replacing it means.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { allSections } from '../../src/config/sections.js';
import { defaultRulesFolder, readRulesSettings } from '../../src/rules/config.js';

const settings = (env: Record<string, string>) => readRulesSettings(loadConfig({ env, sections: allSections() }));

describe('rules settings', () => {
  it("load saker's default rules folder when rules.files is empty, and only the files given otherwise", () => {
    const folder = defaultRulesFolder();
    expect(existsSync(join(folder, 'saker_k8s_audit_rules.yaml'))).toBe(true);
    expect(settings({}).files).toEqual([folder]);
    expect(settings({ RULES_FILES: '/etc/saker/rules.d' }).files).toEqual(['/etc/saker/rules.d']);
    expect(settings({ RULES_FILES: `${folder},/etc/saker/rules.d` }).files).toEqual([folder, '/etc/saker/rules.d']);
  });

  it('leave aws_cloudtrail out of the default sources (no CloudTrail event can reach saker), and take it when asked', () => {
    expect(settings({}).sources).toEqual(['syscall', 'k8s_audit', 'json']);
    expect(settings({ RULES_SOURCES: 'k8s_audit,aws_cloudtrail' }).sources).toEqual(['k8s_audit', 'aws_cloudtrail']);
  });
});
