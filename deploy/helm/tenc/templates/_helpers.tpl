{{/* _helpers.tpl: names and labels shared by the chart's objects. */}}
{{- define "tenc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tenc.labels" -}}
app.kubernetes.io/name: {{ include "tenc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "tenc.selector" -}}
app.kubernetes.io/name: {{ include "tenc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
