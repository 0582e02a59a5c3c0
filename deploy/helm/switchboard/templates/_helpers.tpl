{{/*
Names. "<release>-switchboard", or just "<release>" when the release name already
contains the chart's name; every object of a service is "<fullname>-<service>".
*/}}
{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "switchboard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<fullname>-<component>": a service's Deployment, Service, ConfigMap... ; ctx: (dict "root" $ "name" $name) */}}
{{- define "switchboard.componentName" -}}
{{- printf "%s-%s" (include "switchboard.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries; ctx: (dict "root" $ "component" "identity") */}}
{{- define "switchboard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: switchboard
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "switchboard.selectorLabels" . }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The labels selectors use: name, instance, component. */}}
{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Every pod of the release, whatever its component: what the default deny selects. */}}
{{- define "switchboard.releaseSelector" -}}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* "<registry>/<service>:<tag>"; ctx: (dict "root" $ "name" $name) */}}
{{- define "switchboard.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .name (default .root.Chart.AppVersion .root.Values.image.tag) }}
{{- end }}

{{/* "telephony-gateway" -> "TELEPHONY_GATEWAY" (as scripts/lib/services.sh does). */}}
{{- define "switchboard.envName" -}}
{{- . | upper | replace "-" "_" }}
{{- end }}

{{/*
Pod and container security: the "restricted" Pod Security Standard. The UID is the
image's (Dockerfile: user 10001); the root filesystem is read-only, /tmp an emptyDir.
*/}}
{{- define "switchboard.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid | default 10001 }}
runAsGroup: {{ .uid | default 10001 }}
fsGroup: {{ .uid | default 10001 }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "switchboard.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid | default 10001 }}
runAsGroup: {{ .uid | default 10001 }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* host:port and port of a URL; ctx: the URL and its scheme's default port. */}}
{{- define "switchboard.urlPort" -}}
{{- $url := urlParse .url }}
{{- $parts := splitList ":" $url.host }}
{{- if gt (len $parts) 1 }}{{ last $parts }}{{ else }}{{ .default }}{{ end }}
{{- end }}

{{/* The port each dependency listens on, for NetworkPolicy egress. */}}
{{- define "switchboard.postgresPort" -}}
{{- if eq .Values.postgres.mode "in-cluster" }}5432{{ else }}{{ include "switchboard.urlPort" (dict "url" .Values.postgres.external.url "default" "5432") }}{{ end }}
{{- end }}
{{- define "switchboard.redisPort" -}}
{{- if eq .Values.redis.mode "in-cluster" }}6379{{ else }}{{ include "switchboard.urlPort" (dict "url" .Values.redis.external.url "default" "6379") }}{{ end }}
{{- end }}
{{- define "switchboard.natsPort" -}}
{{- if eq .Values.nats.mode "in-cluster" }}4222{{ else }}{{ include "switchboard.urlPort" (dict "url" .Values.nats.external.url "default" "4222") }}{{ end }}
{{- end }}

{{/* A service's role and database: sb_<service>, switchboard_<service> unless set. */}}
{{- define "switchboard.databaseUser" -}}
{{- default (printf "sb_%s" (.name | replace "-" "_")) .service.database.user }}
{{- end }}
{{- define "switchboard.databaseName" -}}
{{- default (printf "switchboard_%s" (.name | replace "-" "_")) .service.database.name }}
{{- end }}

{{/*
DATABASE_URL of a service: its role, the password Kubernetes substitutes from the
DATABASE_PASSWORD variable (read from its Secret just before), its database.
ctx: (dict "root" $ "name" $name "service" $service)
*/}}
{{- define "switchboard.databaseUrl" -}}
{{- $user := include "switchboard.databaseUser" . }}
{{- if .runtimeRole }}{{ $user = printf "%s_app" $user }}{{ end }}
{{- $database := include "switchboard.databaseName" . }}
{{- if eq .root.Values.postgres.mode "in-cluster" }}
{{- printf "postgresql://%s:$(DATABASE_PASSWORD)@%s:5432/%s" $user (include "switchboard.componentName" (dict "root" .root "name" "postgres")) $database }}
{{- else }}
{{- $url := urlParse .root.Values.postgres.external.url }}
{{- printf "%s://%s:$(DATABASE_PASSWORD)@%s/%s" $url.scheme $user $url.host $database }}
{{- with $url.query }}?{{ . }}{{ end }}
{{- end }}
{{- end }}

{{- define "switchboard.redisUrl" -}}
{{- if eq .Values.redis.mode "in-cluster" }}
{{- printf "redis://%s:6379" (include "switchboard.componentName" (dict "root" . "name" "redis")) }}
{{- else }}
{{- .Values.redis.external.url }}
{{- end }}
{{- end }}

{{- define "switchboard.natsUrl" -}}
{{- if eq .Values.nats.mode "in-cluster" }}
{{- printf "nats://%s:4222" (include "switchboard.componentName" (dict "root" . "name" "nats")) }}
{{- else }}
{{- .Values.nats.external.url }}
{{- end }}
{{- end }}

{{/*
Components (pod label values) that talk to a dependency: the enabled services using
it, and for postgres their migration Jobs too. Output: a YAML list.
ctx: (dict "root" $ "uses" "postgres")
*/}}
{{- define "switchboard.componentsUsing" -}}
{{- $components := list }}
{{- range $name, $service := .root.Values.services }}
{{- if and $service.enabled (index $service.uses $.uses) }}
{{- $components = append $components $name }}
{{- if and (eq $.uses "postgres") $service.migrations }}
{{- $components = append $components (printf "%s-migrations" $name) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $components }}
{{- end }}

{{/* Enabled services that call the given one over gRPC. Output: a YAML list. ctx: (dict "root" $ "name" "identity") */}}
{{- define "switchboard.callersOf" -}}
{{- $callers := list }}
{{- range $name, $service := .root.Values.services }}
{{- if and $service.enabled (has $.name $service.calls) }}
{{- $callers = append $callers $name }}
{{- end }}
{{- end }}
{{- toYaml $callers }}
{{- end }}

{{/*
Checks the schema cannot express: references between values. Fails the render with a
message naming the value to fix.
*/}}
{{- define "switchboard.validate" -}}
{{- range $name, $service := .Values.services }}
{{- if $service.enabled }}
{{- range $service.calls }}
{{- if not (hasKey $.Values.services .) }}
{{- fail (printf "services.%s.calls names %q, which is not a service of this chart (known: %s)" $name . (keys $.Values.services | sortAlpha | join ", ")) }}
{{- end }}
{{- end }}
{{- if and (or $service.uses.postgres (gt (len $service.secretEnv) 0)) (not $service.existingSecret) }}
{{- fail (printf "services.%s.existingSecret is empty: name the Secret holding its %s (create it first; the chart never renders credentials)" $name (concat (ternary (list "DATABASE_PASSWORD") (list) $service.uses.postgres) $service.secretEnv | join ", ")) }}
{{- end }}
{{- if and $service.migrations (not $service.uses.postgres) }}
{{- fail (printf "services.%s.migrations is true but services.%s.uses.postgres is false: migrations need its database" $name $name) }}
{{- end }}
{{- end }}
{{- end }}
{{- if not (and (hasKey .Values.services "gateway") .Values.services.gateway.enabled) }}
{{- fail "services.gateway.enabled must be true: the gateway is the only way into the platform" }}
{{- end }}
{{- end }}

{{/*
The variables that come from Secrets (env:, since Kubernetes substitutes $(VAR) only
there): the service's database password and URL, dependency URLs kept in Secrets, and
the keys listed in secretEnv. Shared by the Deployment and the migration Job.
ctx: (dict "root" $ "name" $name "service" $service)
*/}}
{{- define "switchboard.secretEnv" -}}
{{- $root := .root }}
{{- $service := .service }}
{{- $env := list }}
{{- if $service.uses.postgres }}
{{- /* A service with a runtime role (audit-log) runs as <user>_app, narrower than the owner its migrations run as. */}}
{{- $runtime := and $service.runtimeRole (not .migration) }}
{{- $env = append $env (dict "name" "DATABASE_PASSWORD" "valueFrom" (dict "secretKeyRef" (dict "name" $service.existingSecret "key" (ternary "RUNTIME_DATABASE_PASSWORD" "DATABASE_PASSWORD" $runtime)))) }}
{{- $env = append $env (dict "name" "DATABASE_URL" "value" (include "switchboard.databaseUrl" (merge (dict "runtimeRole" $runtime) .))) }}
{{- if and $service.runtimeRole .migration }}
{{- /* The migration creates the runtime role (with DATABASE_ADMIN_URL) and grants it its privileges. */}}
{{- $env = append $env (dict "name" "RUNTIME_DATABASE_PASSWORD" "valueFrom" (dict "secretKeyRef" (dict "name" $service.existingSecret "key" "RUNTIME_DATABASE_PASSWORD"))) }}
{{- $env = append $env (dict "name" "RUNTIME_DATABASE_URL" "value" (include "switchboard.databaseUrl" (merge (dict "runtimeRole" true) .) | replace "$(DATABASE_PASSWORD)" "$(RUNTIME_DATABASE_PASSWORD)")) }}
{{- end }}
{{- end }}
{{- $redisSecret := $root.Values.redis.external.urlSecret }}
{{- if and $service.uses.redis (eq $root.Values.redis.mode "external") $redisSecret.name }}
{{- $env = append $env (dict "name" "REDIS_URL" "valueFrom" (dict "secretKeyRef" (dict "name" $redisSecret.name "key" $redisSecret.key))) }}
{{- end }}
{{- $natsSecret := $root.Values.nats.external.urlSecret }}
{{- if and $service.uses.nats (eq $root.Values.nats.mode "external") $natsSecret.name }}
{{- $env = append $env (dict "name" "NATS_URL" "valueFrom" (dict "secretKeyRef" (dict "name" $natsSecret.name "key" $natsSecret.key))) }}
{{- end }}
{{- range $service.secretEnv }}
{{- $env = append $env (dict "name" . "valueFrom" (dict "secretKeyRef" (dict "name" $service.existingSecret "key" .))) }}
{{- end }}
{{- if $env }}{{ toYaml $env }}{{ end }}
{{- end }}

{{/*
Probes. gRPC services: Kubernetes' native gRPC probe on grpc.health.v1. Readiness asks
for service "", which libs/rpc turns SERVING only while the service's stores answer;
liveness asks for service "liveness", SERVING whenever the process answers at all, so an
outage of PostgreSQL or NATS takes pods out of rotation without restarting them
(restarting would not help, and crash-loop back-off would delay the recovery). The
gateway speaks HTTP/1.1 (Connect, gRPC-web) and has no gRPC health service: /readyz
follows its upstreams, /healthz only the process.
*/}}
{{- define "switchboard.probes" -}}
{{- $port := .service.port }}
{{- if eq .service.healthCheck "grpc" }}
startupProbe:
  grpc: { port: {{ $port }} }
  periodSeconds: 5
  failureThreshold: 36
readinessProbe:
  grpc: { port: {{ $port }} }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
livenessProbe:
  grpc: { port: {{ $port }}, service: liveness }
  periodSeconds: 20
  timeoutSeconds: 5
  failureThreshold: 3
{{- else }}
startupProbe:
  httpGet: { path: /healthz, port: {{ $port }} }
  periodSeconds: 5
  failureThreshold: 36
readinessProbe:
  httpGet: { path: /readyz, port: {{ $port }} }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
livenessProbe:
  httpGet: { path: /healthz, port: {{ $port }} }
  periodSeconds: 20
  timeoutSeconds: 5
  failureThreshold: 6
{{- end }}
{{- end }}

{{/*
A service's non-secret variables, as the ConfigMap's data. Upstream addresses are
dns:///<headless Service>:<port>: grpc-js resolves every pod and round-robins over them.
identity and the gRPC services read OTLP_ENDPOINT, the gateway the standard OTel name.
ctx: (dict "root" $ "name" $name "service" $service)
*/}}
{{- define "switchboard.configData" -}}
{{- $root := .root }}
{{- $service := .service }}
{{- $data := dict $service.portVariable (toString $service.port) "LOG_LEVEL" $root.Values.logLevel }}
{{- if ne $service.portVariable "GATEWAY_PORT" }}
{{- $_ := set $data "HOST" "0.0.0.0" }}
{{- end }}
{{- with $root.Values.telemetry.otlpEndpoint }}
{{- $_ := set $data "OTLP_ENDPOINT" . }}
{{- $_ := set $data "OTEL_EXPORTER_OTLP_ENDPOINT" . }}
{{- end }}
{{- if and $service.uses.redis (not (and (eq $root.Values.redis.mode "external") $root.Values.redis.external.urlSecret.name)) }}
{{- $_ := set $data "REDIS_URL" (include "switchboard.redisUrl" $root) }}
{{- end }}
{{- if and $service.uses.nats (not (and (eq $root.Values.nats.mode "external") $root.Values.nats.external.urlSecret.name)) }}
{{- $_ := set $data "NATS_URL" (include "switchboard.natsUrl" $root) }}
{{- end }}
{{- range $upstream := $service.calls }}
{{- $target := index $root.Values.services $upstream }}
{{- if $target.enabled }}
{{- $_ := set $data (printf "%s_ADDR" (include "switchboard.envName" $upstream)) (printf "dns:///%s:%v" (include "switchboard.componentName" (dict "root" $root "name" $upstream)) $target.port) }}
{{- end }}
{{- end }}
{{- range $key, $value := $service.env }}
{{- $_ := set $data $key (toString $value) }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/*
One NetworkPolicy egress rule to a dependency: its pods when in-cluster, the configured
peers (or any address) on its port when external. ctx: (dict "root" $ "dependency" "postgres")
*/}}
{{- define "switchboard.dependencyEgress" -}}
{{- $values := index .root.Values .dependency }}
{{- $port := include (printf "switchboard.%sPort" .dependency) .root }}
- ports:
    - { protocol: TCP, port: {{ $port }} }
  {{- if eq $values.mode "in-cluster" }}
  to:
    - podSelector:
        matchLabels:
          {{- include "switchboard.selectorLabels" (dict "root" .root "component" .dependency) | nindent 10 }}
  {{- else if $values.external.peers }}
  to:
    {{- toYaml $values.external.peers | nindent 4 }}
  {{- end }}
{{- end }}
