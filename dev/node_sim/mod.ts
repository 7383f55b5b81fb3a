/**
 * The node simulator: a stand-in for the scheduler and kubelet of one node, so that pods on the
 * local control plane "run" as local processes.
 *
 * ```ts
 * const sim = await startNodeSimulator({ kubeConfig, restartBackoffMs: 1000 });
 * // … pods with image hourglass/hello-performer:<any> run, get a 127.0.x.y podIP, go Ready …
 * await sim.stop();
 * ```
 * @module
 */

export { type NodeSimulator, type NodeSimulatorOptions, startNodeSimulator } from "./simulator.ts";
export {
  DEFAULT_IMAGES,
  denoScript,
  type ImageContext,
  type ImageLaunch,
  type ImageLauncher,
  imageRepository,
  type ImageTable,
} from "./images.ts";
export { DEFAULT_NODE_NAME, HOST_IP, NODE_CAPACITY } from "./node.ts";
// Its `log` option is the shared `Logger` (shared/runtime/log.ts); this one drops every line.
export { silentLog } from "./log.ts";
