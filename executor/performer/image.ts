/**
 * Image references, read and written the way Docker's reference grammar
 * (github.com/distribution/reference) reads them: `[registry[:port]/]path[:tag][@digest]`.
 *
 * - The digest starts at the `@` (no other part may contain one).
 * - A `:` is a tag separator only after the last `/`; before it, it is a registry port
 *   (`localhost:5000/a/b` has no tag).
 * - `latest` is implied only for a bare name. A reference pinned by digest has no tag
 *   (`repo@sha256:…`): its tag is `""`, as a digest-only `DeployArtifact` gives it.
 *
 * Both runtimes use these, so an image reads back from a container label or a Performer's
 * `spec.image` exactly as it was written.
 * @module
 */

import type { PerformerImage } from "../../shared/config/executor_config.ts";

/**
 * Splits `repo[:tag][@digest]`. Lenient (it never throws and validates nothing), so that whatever
 * a container label or a Performer carries can be read back.
 */
export function parseImage(reference: string): PerformerImage {
  const at = reference.indexOf("@");
  const named = at < 0 ? reference : reference.slice(0, at);
  const digest = at < 0 ? "" : reference.slice(at + 1);
  const colon = named.lastIndexOf(":");
  const hasTag = colon > named.lastIndexOf("/");
  return {
    repository: hasTag ? named.slice(0, colon) : named,
    tag: hasTag ? named.slice(colon + 1) : digest ? "" : "latest",
    ...(digest ? { digest } : {}),
  };
}

/** What to run or pull: `repo@digest` when a digest pins the image, else `repo:tag`. */
export function imageReference(image: PerformerImage): string {
  return image.digest ? `${image.repository}@${image.digest}` : `${image.repository}:${image.tag}`;
}

/** The image as configured, tag kept: `repo[:tag][@digest]`; `parseImage` reads it back. */
export function formatImage(image: PerformerImage): string {
  const tagged = image.tag ? `${image.repository}:${image.tag}` : image.repository;
  return image.digest ? `${tagged}@${image.digest}` : tagged;
}
