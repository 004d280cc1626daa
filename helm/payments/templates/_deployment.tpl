{{/*
One Deployment per role, from the same image: (dict "ctx" $ "role" "api" "values" .Values.api)
The role only changes ROLE, replicas, resources and scheduling; probes, security and
configuration are identical, so the two cannot drift apart.
*/}}
{{- define "payments.deployment" -}}
{{- $ctx := .ctx }}
{{- $v := .values }}
{{- $component := dict "ctx" $ctx "component" .role }}
{{- $grace := include "payments.terminationGracePeriodSeconds" $ctx | int }}
{{- /* the kubelet counts the preStop pause inside the grace period: node only gets what is left */}}
{{- $preStop := int $ctx.Values.preStopSleepSeconds }}
{{- if le (mul (sub $grace $preStop) 1000) (int $ctx.Values.config.shutdownTimeoutMs) }}
{{- fail (printf "terminationGracePeriodSeconds (%d s) minus preStopSleepSeconds (%d s) must exceed config.shutdownTimeoutMs (%d ms)" $grace $preStop (int $ctx.Values.config.shutdownTimeoutMs)) }}
{{- end }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "payments.fullname" $ctx }}-{{ .role }}
  labels:
    {{- include "payments.componentLabels" $component | nindent 4 }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "payments.componentSelectorLabels" $component | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "payments.componentSelectorLabels" $component | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include (print $ctx.Template.BasePath "/configmap.yaml") $ctx | sha256sum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "payments.serviceAccountName" $ctx }}
      automountServiceAccountToken: false
      {{- with $ctx.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $ctx.Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $grace }}
      securityContext:
        {{- include "payments.podSecurityContext" $ctx | nindent 8 }}
      containers:
        - name: {{ .role }}
          image: {{ include "payments.image" $ctx | quote }}
          imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $ctx.Values.containerPort }}
              protocol: TCP
          env:
            - name: ROLE
              value: {{ .role | quote }}
            - name: PORT
              value: {{ $ctx.Values.containerPort | quote }}
            {{- with ($v.nodeOptions | default $ctx.Values.nodeOptions) }}
            - name: NODE_OPTIONS
              value: {{ . | quote }}
            {{- end }}
            {{- include "payments.secretEnv" $ctx | trim | nindent 12 }}
          envFrom:
            - configMapRef:
                name: {{ include "payments.fullname" $ctx }}
          startupProbe:
            httpGet:
              path: /health/live
              port: http
            periodSeconds: {{ $ctx.Values.probes.startup.periodSeconds }}
            timeoutSeconds: {{ $ctx.Values.probes.startup.timeoutSeconds }}
            failureThreshold: {{ $ctx.Values.probes.startup.failureThreshold }}
          livenessProbe:
            httpGet:
              path: /health/live
              port: http
            periodSeconds: {{ $ctx.Values.probes.liveness.periodSeconds }}
            timeoutSeconds: {{ $ctx.Values.probes.liveness.timeoutSeconds }}
            failureThreshold: {{ $ctx.Values.probes.liveness.failureThreshold }}
          readinessProbe:
            httpGet:
              path: /health/ready
              port: http
            periodSeconds: {{ $ctx.Values.probes.readiness.periodSeconds }}
            timeoutSeconds: {{ $ctx.Values.probes.readiness.timeoutSeconds }}
            failureThreshold: {{ $ctx.Values.probes.readiness.failureThreshold }}
          {{- if gt (int $ctx.Values.preStopSleepSeconds) 0 }}
          lifecycle:
            # Let endpoints and load balancers drop this pod before the app starts draining.
            preStop:
              exec:
                command: ["sleep", {{ $ctx.Values.preStopSleepSeconds | quote }}]
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "payments.containerSecurityContext" $ctx | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $ctx.Values.tmpSizeLimit }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $v.topologySpread.enabled }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: {{ $v.topologySpread.topologyKey }}
          whenUnsatisfiable: {{ $v.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "payments.componentSelectorLabels" $component | nindent 14 }}
      {{- end }}
{{- end }}
