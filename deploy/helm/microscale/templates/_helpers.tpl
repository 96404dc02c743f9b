{{/* Name of the chart, overridable with nameOverride. */}}
{{- define "microscale.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Base name of every object: the release name, followed by the chart name unless the
release name already contains it. Leaves room for the longest suffix (-controller-headless). */}}
{{- define "microscale.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 43 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 43 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 43 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "microscale.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "microscale.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: microscale
{{- end }}

{{/* Selector labels of one component; call with (dict "root" $ "component" "agent"). */}}
{{- define "microscale.selectorLabels" -}}
app.kubernetes.io/name: {{ include "microscale.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Image reference; call with (dict "root" $ "repository" "microscale/agent"). */}}
{{- define "microscale.image" -}}
{{- printf "%s%s:%s" .root.Values.image.registry .repository (default .root.Chart.AppVersion .root.Values.image.tag) }}
{{- end }}

{{/* The controller's gRPC address as agents and microscalectl dial it: the Service, or with
etcd every replica's stable DNS name, comma-separated, so that they find and follow the leader. */}}
{{- define "microscale.controllerAddress" -}}
{{- $fullname := include "microscale.fullname" . -}}
{{- if .Values.store.etcd.endpoints }}
{{- $addresses := list }}
{{- range $i := until (int .Values.controller.replicas) }}
{{- $addresses = append $addresses (printf "%s-controller-%d.%s-controller-headless.%s.svc:%d" $fullname $i $fullname $.Release.Namespace (int $.Values.controller.grpcPort)) }}
{{- end }}
{{- join "," $addresses }}
{{- else }}
{{- printf "%s-controller:%d" $fullname (int .Values.controller.grpcPort) }}
{{- end }}
{{- end }}

{{/* Security settings of a container that needs no privilege. */}}
{{- define "microscale.restrictedContainer" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}
