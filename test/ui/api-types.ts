/** The parts of the API's JSON documents that the tests read. */
export interface RunJson {
  name: string;
  workflowType: string | null;
  parentRun: string | null;
  metrics: Array<{ field: string; min: number; max: number; count: number }>;
}
export interface NodeJson {
  kind: 'artifact' | 'execution';
  key: string;
  state?: string;
  activityType?: string;
}
export interface GraphJson {
  nodes: NodeJson[];
  edges: unknown[];
  truncated: boolean;
  nextCursor: string | null;
}
export interface ArtifactJson {
  id: number;
  type: string;
}
export interface ExecutionJson {
  id: number;
  activityType: string;
  state: string;
  run: string;
  outputs: Array<{ path: string; artifact: ArtifactJson }>;
}
export interface ArtifactAnswer {
  artifact: ArtifactJson;
  producers: ExecutionJson[];
  provenance: {
    datasets: Array<{ artifact: ArtifactJson }>;
    parameters: Array<{ activityType: string; path: string; value: unknown }>;
  };
}
export interface CompareJson {
  runs: Array<{ name: string }>;
  parameters: Array<{ step: string; path: string; values: unknown[]; missing: boolean[] }>;
  metrics: Array<{ step: string; field: string; values: Array<number | 'missing'> }>;
}
