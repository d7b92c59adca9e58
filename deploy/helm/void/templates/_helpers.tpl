{{/* Names, labels and the shared pod pieces of the web and worker Deployments. */}}
{{- define "void.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "void.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "void.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "void.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "void.selectorLabels" -}}
app.kubernetes.io/name: {{ include "void.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "void.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "void.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "void.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Restricted Pod Security Standard: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp. */}}
{{- define "void.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "void.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Exactly one source for the tenants file. */}}
{{- define "void.tenantsVolume" -}}
{{- $t := .Values.tenants }}
{{- $sources := 0 }}
{{- if $t.existingConfigMap }}{{ $sources = add1 $sources }}{{ end }}
{{- if $t.existingSecret }}{{ $sources = add1 $sources }}{{ end }}
{{- if $t.inline }}{{ $sources = add1 $sources }}{{ end }}
{{- if ne $sources 1 }}
{{- fail "tenants: set exactly one of tenants.existingConfigMap, tenants.existingSecret or tenants.inline" }}
{{- end }}
- name: tenants
{{- if $t.existingSecret }}
  secret:
    secretName: {{ $t.existingSecret }}
    items:
      - key: {{ $t.key }}
        path: void.yaml
{{- else }}
  configMap:
    name: {{ default (printf "%s-tenants" (include "void.fullname" .)) $t.existingConfigMap }}
    items:
      - key: {{ $t.key }}
        path: void.yaml
{{- end }}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end }}

{{- define "void.volumeMounts" -}}
- name: tenants
  mountPath: /config
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "void.envFrom" -}}
- configMapRef:
    name: {{ include "void.fullname" . }}-env
- secretRef:
    name: {{ required "secrets.existingSecret: name the Secret that holds REDIS_URL, METRICS_TOKEN and the platform secrets" .Values.secrets.existingSecret }}
{{- end }}
