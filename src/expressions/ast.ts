// Syntax tree of an expr-lang expression. Every node keeps its 0-based offset in the source.

export type Node =
  | { type: 'literal'; value: unknown; pos: number }
  | { type: 'identifier'; name: string; pos: number }
  | { type: 'pointer'; name: string; pos: number }
  | { type: 'member'; object: Node; property: Node; optional: boolean; pos: number }
  | { type: 'chain'; node: Node; pos: number }
  | { type: 'slice'; object: Node; from?: Node; to?: Node; pos: number }
  | { type: 'call'; callee: Node; args: Node[]; pos: number }
  | { type: 'builtin'; name: string; args: Node[]; pos: number }
  | { type: 'predicate'; body: Node; pos: number }
  | { type: 'unary'; op: string; operand: Node; pos: number }
  | { type: 'binary'; op: string; left: Node; right: Node; pos: number }
  | { type: 'conditional'; cond: Node; then: Node; else: Node; pos: number }
  | { type: 'array'; items: Node[]; pos: number }
  | { type: 'map'; pairs: Array<[Node, Node]>; pos: number }
  | { type: 'let'; name: string; value: Node; body: Node; pos: number }
  | { type: 'sequence'; nodes: Node[]; pos: number };

export type NodeOf<T extends Node['type']> = Extract<Node, { type: T }>;
