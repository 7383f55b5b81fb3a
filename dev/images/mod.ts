/**
 * Performer images built locally, without a registry or network: `buildHelloImage`.
 * @module
 */

export {
  buildHelloImage,
  type BuildHelloImageOptions,
  CONTENT_HASH_LABEL,
  HELLO_IMAGE_PORT,
  HELLO_IMAGE_REPOSITORY,
  type HelloImage,
} from "./hello_image.ts";
