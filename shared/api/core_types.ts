/**
 * Zod schemas for the Kubernetes core types the Performer spec passes through to its pod
 * (resources, tolerations, affinity, env sources). They cover the fields of the core API that a
 * Performer can use, so the CRD schema validates them and the API server prunes nothing.
 * @module
 */

import { z } from "zod";

/** A Kubernetes resource quantity: an integer or a string such as `500m` or `2Gi`. */
export const Quantity = z.union([z.int(), z.string().regex(/^[0-9+\-.eEinumkKMGTP]+$/)]).meta({
  "x-kubernetes-int-or-string": true,
  description: "A resource quantity, e.g. 2, 500m or 4Gi.",
});

/** core/v1 ResourceRequirements. */
export const ResourceRequirements = z.strictObject({
  limits: z.record(z.string(), Quantity).optional().meta({
    description: "Maximum amount of compute resources allowed.",
  }),
  requests: z.record(z.string(), Quantity).optional().meta({
    description: "Minimum amount of compute resources required.",
  }),
  claims: z.array(z.strictObject({
    name: z.string().meta({ description: "Name of one of the pod's resource claims." }),
    request: z.string().optional().meta({ description: "One request of that claim." }),
  }))
    .optional()
    .meta({ description: "Dynamic resource claims used by the container." }),
}).meta({ description: "Compute resources of the performer container (core/v1)." });

/** core/v1 Toleration. */
export const Toleration = z.strictObject({
  key: z.string().optional().meta({
    description: "Taint key to tolerate; empty with operator Exists tolerates every taint.",
  }),
  operator: z.enum(["Exists", "Equal"]).optional().meta({
    description: "Equal (the default) matches value; Exists matches any value.",
  }),
  value: z.string().optional().meta({ description: "Taint value to match with Equal." }),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional().meta({
    description: "Taint effect to match; empty matches every effect.",
  }),
  tolerationSeconds: z.int().optional().meta({
    format: "int64",
    description: "With NoExecute: how long the pod stays on a node after the taint appears.",
  }),
});

const NodeSelectorRequirement = z.strictObject({
  key: z.string(),
  operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]),
  values: z.array(z.string()).optional(),
});

const NodeSelectorTerm = z.strictObject({
  matchExpressions: z.array(NodeSelectorRequirement).optional(),
  matchFields: z.array(NodeSelectorRequirement).optional(),
});

const LabelSelector = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(z.strictObject({
    key: z.string(),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
    values: z.array(z.string()).optional(),
  })).optional(),
});

const PodAffinityTerm = z.strictObject({
  labelSelector: LabelSelector.optional(),
  namespaceSelector: LabelSelector.optional(),
  namespaces: z.array(z.string()).optional(),
  topologyKey: z.string(),
  matchLabelKeys: z.array(z.string()).optional(),
  mismatchLabelKeys: z.array(z.string()).optional(),
});

const WeightedPodAffinityTerm = z.strictObject({
  weight: z.int32().min(1).max(100),
  podAffinityTerm: PodAffinityTerm,
});

const PodAffinity = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(PodAffinityTerm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(WeightedPodAffinityTerm).optional(),
});

/** core/v1 Affinity. */
export const Affinity = z.strictObject({
  nodeAffinity: z.strictObject({
    requiredDuringSchedulingIgnoredDuringExecution: z.strictObject({
      nodeSelectorTerms: z.array(NodeSelectorTerm),
    }).optional(),
    preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({
      weight: z.int32().min(1).max(100),
      preference: NodeSelectorTerm,
    })).optional(),
  }).optional(),
  podAffinity: PodAffinity.optional(),
  podAntiAffinity: PodAffinity.optional(),
}).meta({ description: "Pod affinity rules (core/v1 Affinity), passed to the pod." });

/** core/v1 SecretKeySelector and ConfigMapKeySelector: one key of a Secret or ConfigMap. */
export const KeyRef = z.strictObject({
  name: z.string().min(1).meta({ description: "Name of the Secret or ConfigMap." }),
  key: z.string().min(1).meta({ description: "Key within it." }),
  optional: z.boolean().optional().meta({
    description: "Start the pod even when the object or key does not exist.",
  }),
});

/** An environment variable whose value comes from a Secret or ConfigMap key. */
export const EnvFromSource = z.strictObject({
  name: z.string().regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/).meta({
    description: "Environment variable name.",
  }),
  valueFrom: z.strictObject({
    secretKeyRef: KeyRef.optional().meta({ description: "A key of a Secret." }),
    configMapKeyRef: KeyRef.optional().meta({ description: "A key of a ConfigMap." }),
  }).refine(
    (v) => (v.secretKeyRef === undefined) !== (v.configMapKeyRef === undefined),
    "exactly one of secretKeyRef or configMapKeyRef must be set",
  ).meta({
    description: "Exactly one of secretKeyRef and configMapKeyRef.",
    "x-kubernetes-validations": [{
      rule: "has(self.secretKeyRef) != has(self.configMapKeyRef)",
      message: "exactly one of secretKeyRef or configMapKeyRef must be set",
    }],
  }),
});

/** core/v1 LocalObjectReference, as used by imagePullSecrets. */
export const LocalObjectReference = z.strictObject({
  name: z.string().min(1).meta({ description: "Name of a Secret in the Performer's namespace." }),
});
