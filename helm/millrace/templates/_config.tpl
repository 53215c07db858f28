{{- define "millrace.configMap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "millrace.fullname" .root }}-{{ .name }}
  labels:
    {{- include "millrace.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
data:
  {{- range $k, $v := .data }}
  {{ $k }}: {{ toString $v | quote }}
  {{- end }}
{{- end -}}

{{- define "millrace.secret" -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "millrace.fullname" .root }}-{{ .name }}
  labels:
    {{- include "millrace.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
type: Opaque
data:
  {{- range $k, $v := .data }}
  {{ $k }}: {{ toString $v | b64enc | quote }}
  {{- end }}
{{- end -}}

{{/* The shared pseudonymisation settings (enrichment API and realtime loader). */}}
{{- define "millrace.privacy" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "millrace.fullname" . }}-privacy
  labels:
    {{- include "millrace.labels" . | nindent 4 }}
data:
  {{- range $i, $path := .Values.privacy.payloadPaths }}
  MILLRACE_ENRICHMENT_PII_PAYLOADPATHS_{{ $i }}_: {{ $path | quote }}
  {{- end }}
{{- if not .Values.privacy.existingSecret }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "millrace.fullname" . }}-privacy
  labels:
    {{- include "millrace.labels" . | nindent 4 }}
type: Opaque
data:
  MILLRACE_ENRICHMENT_PII_KEY: {{ .Values.privacy.piiKey | b64enc | quote }}
{{- end }}
{{- end -}}
