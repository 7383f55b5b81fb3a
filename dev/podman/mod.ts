/**
 * Podman for docker mode on development and CI machines: install and configure it, serve the
 * Docker Engine API on a socket of our own, and a minimal Engine API client over that socket.
 * @module
 */

export { EngineApiError, type EngineClient, engineClient } from "./engine_api.ts";
export {
  CONTAINERS_CONF,
  ensurePodman,
  type EnsurePodmanOptions,
  type PodmanService,
  type PodmanServiceOptions,
  type PodmanSetup,
  startPodmanService,
} from "./podman.ts";
