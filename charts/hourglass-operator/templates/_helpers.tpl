{{/*
Names are cut at 52 characters so that the derived names ("<fullname>-metrics",
"<fullname>-leader") stay within the 63-character limit of Service names and label values.
*/}}
{{- define "hourglass-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 52 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-<chart>", or the release name when it already contains the chart name. */}}
{{- define "hourglass-operator.fullname" -}}
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

{{/*
Cluster-scoped objects carry the namespace in their name: the same release name in two
namespaces must not fight over one ClusterRole.
*/}}
{{- define "hourglass-operator.clusterName" -}}
{{- printf "%s-%s" (include "hourglass-operator.fullname" .) .Release.Namespace }}
{{- end }}

{{- define "hourglass-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hourglass-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hourglass-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "hourglass-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: hourglass
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "hourglass-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hourglass-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image, pinned to the chart's appVersion unless a tag or digest is given. */}}
{{- define "hourglass-operator.image" -}}
{{- $ref := printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- if .Values.image.digest }}
{{- $ref = printf "%s@%s" $ref .Values.image.digest }}
{{- end }}
{{- $ref }}
{{- end }}

{{- define "hourglass-operator.leaseName" -}}
{{- default (printf "%s-leader" (include "hourglass-operator.fullname" .)) .Values.leaderElection.leaseName }}
{{- end }}

{{/*
RBAC rules from a file under files/ (the same files the tests bind), as YAML. An empty or
missing file is an error, never a role without rules.
*/}}
{{- define "hourglass-operator.rulesFrom" -}}
{{- $rules := .context.Files.Get .file | fromYamlArray }}
{{- if not $rules }}
{{- fail (printf "%s is missing or empty: the chart would grant nothing" .file) }}
{{- end }}
{{- toYaml $rules }}
{{- end }}

{{/*
One list of the admission policy's limits, checked: a list of strings (a number or a map would
change the type of the CEL literal the policy is rendered into).
*/}}
{{- define "hourglass-operator.policyList" -}}
{{- if not (kindIs "slice" .list) }}
{{- fail (printf "%s must be a list of strings, not %s" .path (kindOf .list)) }}
{{- end }}
{{- range .list }}
{{- if not (kindIs "string" .) }}
{{- fail (printf "%s: %v is not a string" $.path .) }}
{{- end }}
{{- end }}
{{- toJson .list }}
{{- end }}

{{/*
The admission policy's limits as JSON: {"default": {...}, "namespaces": {"<ns>": {...}}}, each
with serviceAccountNames, secretNames and imagePrefixes. A namespace entry takes each list it
does not set from `default`. JSON is also a CEL literal, so the policy embeds it as it is.
*/}}
{{- define "hourglass-operator.policyLimits" -}}
{{- $keys := list "serviceAccountNames" "secretNames" "imagePrefixes" }}
{{- $given := dict
  "serviceAccountNames" .Values.admissionPolicy.default.serviceAccountNames
  "secretNames" .Values.admissionPolicy.default.secretNames
  "imagePrefixes" .Values.admissionPolicy.default.imagePrefixes }}
{{- $default := dict }}
{{- range $keys }}
{{- $path := printf "admissionPolicy.default.%s" . }}
{{- $_ := set $default . (include "hourglass-operator.policyList" (dict "path" $path "list" (get $given .)) | fromJsonArray) }}
{{- end }}
{{- $namespaces := dict }}
{{- range $ns, $limits := .Values.admissionPolicy.namespaces }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $ns) }}
{{- fail (printf "admissionPolicy.namespaces: %q is not a namespace name" $ns) }}
{{- end }}
{{- if not (kindIs "map" $limits) }}
{{- fail (printf "admissionPolicy.namespaces.%s must be a map with serviceAccountNames, secretNames and/or imagePrefixes" $ns) }}
{{- end }}
{{- range $key, $_ := $limits }}
{{- if not (has $key $keys) }}
{{- fail (printf "admissionPolicy.namespaces.%s.%s is not a limit (serviceAccountNames, secretNames, imagePrefixes)" $ns $key) }}
{{- end }}
{{- end }}
{{- $merged := dict }}
{{- range $keys }}
{{- if hasKey $limits . }}
{{- $path := printf "admissionPolicy.namespaces.%s.%s" $ns . }}
{{- $_ := set $merged . (include "hourglass-operator.policyList" (dict "path" $path "list" (get $limits .)) | fromJsonArray) }}
{{- else }}
{{- $_ := set $merged . (get $default .) }}
{{- end }}
{{- end }}
{{- $_ := set $namespaces $ns $merged }}
{{- end }}
{{- toJson (dict "default" $default "namespaces" $namespaces) }}
{{- end }}
