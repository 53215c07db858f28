{{/* The resource name prefix. */}}
{{- define "millrace.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "millrace.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ default .Chart.Name .Values.nameOverride }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: millrace
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "collector"). */}}
{{- define "millrace.selector" -}}
app.kubernetes.io/name: {{ default .root.Chart.Name .root.Values.nameOverride }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "millrace.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.repository .module (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/* The name of a service's Secret: its existingSecret or the rendered one. */}}
{{- define "millrace.secretName" -}}
{{- $svc := index .root.Values.services .name -}}
{{- default (printf "%s-%s" (include "millrace.fullname" .root) .name) $svc.existingSecret -}}
{{- end -}}

{{- define "millrace.privacySecretName" -}}
{{- default (printf "%s-privacy" (include "millrace.fullname" .)) .Values.privacy.existingSecret -}}
{{- end -}}

{{/*
The settings the chart derives for a service from the shared values, as a YAML map of
environment variables: "config" (ConfigMap) and "secret" (Secret). Each name is a key the service
reads (HelmChartTest checks it against the service's jar). The service's own config/secrets
values are merged over these.
*/}}
{{- define "millrace.env" -}}
{{- $v := .root.Values -}}
{{- $svc := index $v.services .name -}}
{{- $config := dict "SERVER_PORT" (toString $svc.ports.http) -}}
{{- $secret := dict -}}
{{- if eq .name "collector" -}}
{{- $_ := set $config "MILLRACE_COLLECTOR_GRPC_PORT" (toString $svc.ports.grpc) -}}
{{- $_ := set $config "MILLRACE_COLLECTOR_KAFKA_BOOTSTRAP_SERVERS" $v.kafka.bootstrapServers -}}
{{- range $id, $hash := $v.writeKeys -}}
{{- $_ := set $secret (printf "MILLRACE_COLLECTOR_WRITEKEYS_%s" (upper $id)) $hash -}}
{{- end -}}
{{- else if eq .name "enrichment-api" -}}
{{- $_ := set $config "MILLRACE_ENRICHMENT_GRPC_PORT" (toString $svc.ports.grpc) -}}
{{- else if eq .name "enricher" -}}
{{- $api := index $v.services "enrichment-api" -}}
{{- $_ := set $config "MILLRACE_ENRICHER_BOOTSTRAPSERVERS" $v.kafka.bootstrapServers -}}
{{- $_ := set $config "MILLRACE_ENRICHER_ENRICHMENT_TARGET" (printf "%s-enrichment-api:%v" (include "millrace.fullname" .root) $api.ports.grpc) -}}
{{- $_ := set $config "MILLRACE_ENRICHER_STREAMS_STATEDIR" "/var/lib/millrace/enricher" -}}
{{- else if eq .name "realtime-loader" -}}
{{- $_ := set $config "MILLRACE_REALTIME_KAFKA_BOOTSTRAP_SERVERS" $v.kafka.bootstrapServers -}}
{{- $_ := set $config "MILLRACE_REALTIME_ELASTICSEARCH_URLS" $v.elasticsearch.urls -}}
{{- $_ := set $config "MILLRACE_REALTIME_INDEX_REPLICAS" (toString $v.elasticsearch.indexReplicas) -}}
{{- with $v.elasticsearch.username }}{{ $_ := set $secret "MILLRACE_REALTIME_ELASTICSEARCH_USERNAME" . }}{{ end -}}
{{- with $v.elasticsearch.password }}{{ $_ := set $secret "MILLRACE_REALTIME_ELASTICSEARCH_PASSWORD" . }}{{ end -}}
{{- else if eq .name "batch-loader" -}}
{{- $_ := set $config "MILLRACE_BATCH_KAFKA_BOOTSTRAP_SERVERS" $v.kafka.bootstrapServers -}}
{{- with $v.s3.endpoint }}{{ $_ := set $config "MILLRACE_BATCH_S3_ENDPOINT" . }}{{ end -}}
{{- $_ := set $config "MILLRACE_BATCH_S3_REGION" $v.s3.region -}}
{{- $_ := set $config "MILLRACE_BATCH_S3_BUCKET" $v.s3.bucket -}}
{{- $_ := set $config "MILLRACE_BATCH_SPILLDIR" "/var/lib/millrace/batch-loader" -}}
{{- with $v.s3.accessKey }}{{ $_ := set $secret "MILLRACE_BATCH_S3_ACCESSKEY" . }}{{ end -}}
{{- with $v.s3.secretKey }}{{ $_ := set $secret "MILLRACE_BATCH_S3_SECRETKEY" . }}{{ end -}}
{{- end -}}
{{- $config = mergeOverwrite $config (deepCopy $svc.config) -}}
{{- $secret = mergeOverwrite $secret (deepCopy $svc.secrets) -}}
{{- toYaml (dict "config" $config "secret" $secret) -}}
{{- end -}}

{{/* Whether a service reads the shared privacy settings. */}}
{{- define "millrace.usesPrivacy" -}}
{{- if has . (list "enrichment-api" "realtime-loader") }}true{{ end -}}
{{- end -}}

{{/* The curation job's settings (keys of millrace-curation.properties, environment form). */}}
{{- define "millrace.curationEnv" -}}
{{- $v := .Values -}}
{{- $config := dict
  "MILLRACE_CURATION_CATALOG_URI" $v.curation.catalogUri
  "MILLRACE_CURATION_CATALOG_JDBC_USER" $v.curation.catalogUser
  "MILLRACE_CURATION_CATALOG_WAREHOUSE" (printf "s3://%s/warehouse" $v.s3.curatedBucket)
  "MILLRACE_CURATION_S3_REGION" $v.s3.region
  "MILLRACE_CURATION_INPUT_BUCKET" (printf "s3://%s" $v.s3.bucket) -}}
{{- with $v.s3.endpoint }}{{ $_ := set $config "MILLRACE_CURATION_S3_ENDPOINT" . }}{{ end -}}
{{- $secret := dict "MILLRACE_CURATION_CATALOG_JDBC_PASSWORD" $v.curation.catalogPassword -}}
{{- with $v.s3.accessKey }}{{ $_ := set $secret "MILLRACE_CURATION_S3_ACCESS_KEY" . }}{{ end -}}
{{- with $v.s3.secretKey }}{{ $_ := set $secret "MILLRACE_CURATION_S3_SECRET_KEY" . }}{{ end -}}
{{- $config = mergeOverwrite $config (deepCopy $v.curation.config) -}}
{{- toYaml (dict "config" $config "secret" $secret) -}}
{{- end -}}

{{/* Validation of what the schema cannot express; fails the render naming the value. */}}
{{- define "millrace.validate" -}}
{{- $v := .Values -}}
{{- if and $v.services.collector.enabled (not $v.services.collector.existingSecret) (not $v.writeKeys) -}}
{{- fail "writeKeys: set at least one write key (id: SHA-256 hex of the key), or services.collector.existingSecret" -}}
{{- end -}}
{{- if and (or (index $v.services "enrichment-api").enabled (index $v.services "realtime-loader").enabled) (not $v.privacy.existingSecret) (lt (len $v.privacy.piiKey) 32) -}}
{{- fail "privacy.piiKey: set the PII key (32+ bytes), or privacy.existingSecret" -}}
{{- end -}}
{{- if and $v.curation.enabled (not $v.curation.existingSecret) (not $v.curation.catalogPassword) -}}
{{- fail "curation.catalogPassword: set the catalog database password, or curation.existingSecret" -}}
{{- end -}}
{{- if $v.kafka.topics.create -}}
{{- range $name := list "enricher" "realtime-loader" "batch-loader" -}}
{{- $svc := index $v.services $name -}}
{{- if and $svc.enabled (gt (int $svc.replicas) (int $v.kafka.topics.partitions)) -}}
{{- fail (printf "services.%s.replicas: %v is more than kafka.topics.partitions (%v); a Kafka consumer group uses at most one pod per partition" $name $svc.replicas $v.kafka.topics.partitions) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $v.s3.buckets.create (not $v.s3.buckets.existingSecret) (not (and $v.s3.accessKey $v.s3.secretKey)) -}}
{{- fail "s3.buckets.create: the bucket Job needs s3.accessKey and s3.secretKey, or s3.buckets.existingSecret" -}}
{{- end -}}
{{- end -}}

{{/* The pods' volumes for /tmp (read-only root file system). */}}
{{- define "millrace.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.podDefaults.tmpSizeLimit }}
{{- end -}}
