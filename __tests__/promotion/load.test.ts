import { parseFreightInput, parsePromotionDefinition, parseSecretsInput, parseVarsInput } from '../../src/promotion/load.js';

const stage = (name: string, ns = 'demo') => `
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: {name: ${name}, namespace: ${ns}}
spec:
  vars: [{name: a, value: "1"}]
  promotionTemplate:
    spec:
      vars: [{name: b, value: "2"}]
      steps:
      - {uses: compose-output, config: {stage: ${name}}}
`;

describe('reading steps', () => {
  it('reads a bare list of steps', () => {
    const def = parsePromotionDefinition('- uses: fail\n', 'steps');
    expect(def.steps).toEqual([{ uses: 'fail', source: { document: 0, path: [0] } }]);
  });

  it('reads a {vars, steps} mapping', () => {
    const def = parsePromotionDefinition('vars: [{name: x, value: y}]\nsteps:\n- uses: fail\n', 'steps');
    expect(def.vars).toEqual([{ name: 'x', value: 'y' }]);
  });

  it("reads a Stage's vars then its template's vars, and its namespace", () => {
    const def = parsePromotionDefinition(stage('test'), 'stages.yaml');
    expect(def.vars).toEqual([{ name: 'a', value: '1' }, { name: 'b', value: '2' }]);
    expect(def.stage).toMatchObject({ name: 'test', namespace: 'demo' });
  });

  it('picks the Stage named by the stage input when the file holds several', () => {
    const def = parsePromotionDefinition(`${stage('test')}---${stage('prod')}`, 'stages.yaml', 'prod');
    expect(def.steps[0]?.config).toEqual({ stage: 'prod' });
  });

  it('lists the Stages found when none matches', () => {
    expect(() => parsePromotionDefinition(`${stage('test')}---${stage('prod')}`, 'stages.yaml', 'uat')).toThrow(
      'stages.yaml holds 2 Stages (test, prod) and none is named "uat"; set the stage input to one of them'
    );
    expect(() => parsePromotionDefinition(`${stage('test')}---${stage('prod')}`, 'stages.yaml')).toThrow(/does not say which one/);
  });

  it('runs a PromotionTask file on its own, requiring its vars without default', () => {
    const def = parsePromotionDefinition('kind: PromotionTask\nmetadata: {name: t}\nspec:\n  vars: [{name: x}]\n  steps: [{uses: fail}]\n', 'task.yaml');
    expect(def.requiredVars).toEqual(['x']);
  });

  it('names the line of a YAML syntax error', () => {
    expect(() => parsePromotionDefinition('- uses: fail\n  config: [\n', 'steps')).toThrow(/^steps: invalid YAML at line \d+, column \d+/);
  });

  it('names unknown step fields', () => {
    expect(() => parsePromotionDefinition('- uses: fail\n  confg: {}\n', 'steps')).toThrow(/steps\[0\]: unknown field "confg"/);
  });
});

describe('reading freight', () => {
  it('reads one Freight, a list, and Kargo Freight manifests', () => {
    const one = parseFreightInput('origin: {kind: Warehouse, name: app}\nimages: [{repoURL: nginx, tag: "1.27"}]', 'freight');
    expect(one.target?.images).toEqual([{ repoURL: 'nginx', tag: '1.27' }]);
    const manifest = parseFreightInput(
      'apiVersion: kargo.akuity.io/v1alpha1\nkind: Freight\nmetadata: {name: abc, labels: {kargo.akuity.io/alias: cool-cat}}\norigin: {kind: Warehouse, name: app}\ncommits: [{repoURL: "https://x/y", id: "1"}]\n',
      'freight'
    );
    expect(manifest.target).toMatchObject({ name: 'abc', alias: 'cool-cat' });
    const list = parseFreightInput('[{"origin": {"name": "a"}}, {"origin": {"name": "b"}}]', 'freight');
    expect(Object.keys(list.collection.items)).toEqual(['Warehouse/a', 'Warehouse/b']);
    expect(list.target?.origin.name).toBe('a');
  });

  it('names a Freight without a name by a hash of its contents', () => {
    const a = parseFreightInput('images: [{repoURL: nginx, tag: "1"}]', 'freight');
    const b = parseFreightInput('images: [{repoURL: nginx, tag: "1"}]', 'freight');
    expect(a.target?.name).toMatch(/^[0-9a-f]{40}$/);
    expect(a.target?.name).toBe(b.target?.name);
  });

  it('refuses two Freight of one origin, and a Freight list without origins', () => {
    expect(() => parseFreightInput('[{origin: {name: a}}, {origin: {name: a}}]', 'freight')).toThrow(/two Freight come from Warehouse\/a/);
    expect(() => parseFreightInput('[{images: []}, {images: []}]', 'freight')).toThrow(/origin: must be \{kind: Warehouse, name/);
  });

  it('reads Warehouse manifests beside the Freight', () => {
    const input = parseFreightInput('kind: Warehouse\nmetadata: {name: app}\nspec:\n  subscriptions:\n  - image: {repoURL: nginx}\n---\norigin: {name: app}\n', 'freight');
    expect(input.warehouses).toEqual([{ name: 'app', subscriptions: [{ image: { repoURL: 'nginx' } }] }]);
  });
});

describe('reading vars and secrets', () => {
  it('turns var values into strings as Kargo vars are', () => {
    expect(parseVarsInput('tag: 1.2.3\nreplicas: 3\nflag: true\n')).toEqual({ tag: '1.2.3', replicas: '3', flag: 'true' });
  });

  it('reads secrets as name -> key -> value and refuses other shapes', () => {
    expect(parseSecretsInput('{"creds": {"password": "p"}}')).toEqual({ creds: { password: 'p' } });
    expect(() => parseSecretsInput('creds: p')).toThrow(/secrets\.creds: must be a mapping/);
  });
});

describe('freight scalars', () => {
  it('keeps tags and versions exactly as written, even when they look like numbers', () => {
    const input = parseFreightInput('images: [{repoURL: nginx, tag: 1.10}]\ncharts: [{repoURL: "https://c", name: x, version: 2.0}]', 'freight');
    expect(input.target?.images?.[0]?.tag).toBe('1.10');
    expect(input.target?.charts?.[0]?.version).toBe('2.0');
  });
});
