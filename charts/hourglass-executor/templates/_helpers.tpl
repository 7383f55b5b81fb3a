{{/*
Names are cut at 52 characters: a StatefulSet's pods carry a controller-revision-hash label of
"<name>-<10 chars>", which must fit the 63-character label limit, and so must "<name>-headless".
*/}}
{{- define "hourglass-executor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 52 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-<chart>", or the release name when it already contains the chart name. */}}
{{- define "hourglass-executor.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hourglass-executor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hourglass-executor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hourglass-executor.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "hourglass-executor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: executor
app.kubernetes.io/part-of: hourglass
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "hourglass-executor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hourglass-executor.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image, pinned to the chart's appVersion unless a tag or digest is given. */}}
{{- define "hourglass-executor.image" -}}
{{- $ref := printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- if .Values.image.digest }}
{{- $ref = printf "%s@%s" $ref .Values.image.digest }}
{{- end }}
{{- $ref }}
{{- end }}

{{/* The Secret holding executor.yaml, keystore files and key material. */}}
{{- define "hourglass-executor.secretName" -}}
{{- default (include "hourglass-executor.fullname" .) .Values.existingSecret }}
{{- end }}

{{/* True ("true") in kubernetes mode; validates the mode on the way. */}}
{{- define "hourglass-executor.kubernetesMode" -}}
{{- if not (has .Values.deploymentMode (list "kubernetes" "docker")) }}
{{- fail (printf "deploymentMode must be kubernetes or docker, not %q" .Values.deploymentMode) }}
{{- end }}
{{- if eq .Values.deploymentMode "kubernetes" }}true{{ end }}
{{- end }}

{{/*
executor.yaml from `config`: every performer without a deploymentMode gets the chart's, and a
performer with another mode is an error (the RBAC and token mount follow the chart's mode).
*/}}
{{- define "hourglass-executor.configYaml" -}}
{{- $config := deepCopy .Values.config }}
{{- $performers := list }}
{{- range $i, $p := (default (list) $config.avsPerformers) }}
{{- $q := deepCopy $p }}
{{- $mode := default $.Values.deploymentMode $q.deploymentMode }}
{{- if ne $mode $.Values.deploymentMode }}
{{- fail (printf "config.avsPerformers[%d].deploymentMode is %q but the chart's deploymentMode is %q" $i $mode $.Values.deploymentMode) }}
{{- end }}
{{- $_ := set $q "deploymentMode" $mode }}
{{- $performers = append $performers $q }}
{{- end }}
{{- $_ := set $config "avsPerformers" $performers }}
{{- /* JSON, which is YAML too: toYaml leaves 0x addresses unquoted, and a YAML 1.2 parser (the
executor's) then reads them as hex numbers. JSON quotes every string. */}}
{{- toPrettyJson $config }}
{{- end }}

{{/*
Lower-case AVS addresses the performers' NetworkPolicy covers (the performer pods' avs label), as
a JSON list; empty when neither networkPolicy.avsAddresses nor config.avsPerformers name any
(then it covers every performer pod of the performer namespace).
*/}}
{{- define "hourglass-executor.avsAddresses" -}}
{{- $addresses := .Values.networkPolicy.avsAddresses }}
{{- if not $addresses }}
{{- range (default (list) .Values.config.avsPerformers) }}
{{- $addresses = append $addresses .avsAddress }}
{{- end }}
{{- end }}
{{- $lower := list }}
{{- range $addresses }}
{{- if not (regexMatch "^0x[0-9a-fA-F]{40}$" (toString .)) }}
{{- fail (printf "networkPolicy: %q is not a 0x address of 40 hex digits" (toString .)) }}
{{- end }}
{{- $lower = append $lower (lower .) }}
{{- end }}
{{- toJson ($lower | uniq) }}
{{- end }}

{{/* The RBAC rules from files/role-rules.yaml; a missing or empty file is an error. */}}
{{- define "hourglass-executor.roleRules" -}}
{{- $rules := .Files.Get "files/role-rules.yaml" | fromYamlArray }}
{{- if not $rules }}
{{- fail "files/role-rules.yaml is missing or empty: the chart would grant nothing" }}
{{- end }}
{{- toYaml $rules }}
{{- end }}

{{/* "true" when the management server has a port of its own (not the task port). */}}
{{- define "hourglass-executor.separateManagement" -}}
{{- if ne (int .Values.ports.management) (int .Values.ports.grpc) }}true{{ end }}
{{- end }}

{{/*
The namespace the executor creates its Performers in (kubernetes mode): performerNamespace.name,
else "<release namespace>-performers". Not the release namespace unless asked for, since whoever
may create Performers in a namespace can mount that namespace's Secrets, the executor's keys too.
*/}}
{{- define "hourglass-executor.performerNamespace" -}}
{{- $name := default (printf "%s-performers" .Release.Namespace) .Values.performerNamespace.name }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $name) }}
{{- fail (printf "performerNamespace.name: %q is not a namespace name (set performerNamespace.name; the default is <release namespace>-performers)" $name) }}
{{- end }}
{{- if gt (len $name) 63 }}
{{- fail (printf "performerNamespace.name: %q is longer than 63 characters (set performerNamespace.name)" $name) }}
{{- end }}
{{- if and .Values.performerNamespace.create (eq $name .Release.Namespace) }}
{{- fail "performerNamespace.name is the release namespace, which holds the executor's key Secret: Performers there could mount it. Use another namespace, or set performerNamespace.create=false to accept that" }}
{{- end }}
{{- $name }}
{{- end }}
