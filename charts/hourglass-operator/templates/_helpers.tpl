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
