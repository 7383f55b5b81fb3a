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

const NAME_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(
  `^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?/)?` +
    `${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`,
);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Splits `repo[:tag][@digest]`. Lenient (it never throws and validates nothing), so that whatever
 * a container label or a Performer carries can be read back; `imageProblem` validates.
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

/**
 * Why `image` is not a reference the grammar accepts (a phrase quoting the bad part), or
 * undefined when it is. The tag may be empty only when a digest pins the image.
 */
export function imageProblem(image: PerformerImage): string | undefined {
  const { repository, tag, digest } = image;
  if (!REPOSITORY.test(repository)) return `"${repository}" is not an image repository`;
  if (!TAG.test(tag) && !(tag === "" && digest !== undefined)) {
    return `"${tag}" is not an image tag`;
  }
  if (digest !== undefined && !DIGEST.test(digest)) {
    return `"${digest}" is not an image digest (sha256:<64 hex digits>)`;
  }
  return undefined;
}
