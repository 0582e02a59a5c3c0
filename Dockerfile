# syntax=docker/dockerfile:1
# One image per service, built from this one file:
#
#   docker build --build-arg SERVICE=identity -t switchboard/identity:dev .
#
# build:   every dependency, protobuf generation, `turbo build` of the service and
#          the libraries it uses, then `turbo prune`: the service's workspaces and
#          a lock file with only their dependencies.
# runtime: that lock file installed without dev dependencies, the built output,
#          tini as PID 1 (so SIGTERM reaches Node and zombies are reaped), no
#          npm, a non-root user. Pin NODE_IMAGE by digest in your registry mirror.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<a folder under services/>" >&2; exit 1; }
ENV TURBO_TELEMETRY_DISABLED=1 npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /src
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY bench/package.json bench/
COPY proto/ proto/
COPY libs/ libs/
COPY services/ services/
RUN test -f "services/${SERVICE}/package.json" || { echo "services/${SERVICE}/package.json not found" >&2; exit 1; }
RUN npm ci
RUN npm run --silent proto -w @switchboard/proto
RUN npx --no-install turbo run build --filter="@switchboard/${SERVICE}..." --output-logs=errors-only
# /out/json: package.json files + pruned lock file; /out/dist: each pruned
# workspace's built output (dist/ holds the migrations too).
RUN npx --no-install turbo prune "@switchboard/${SERVICE}" --docker --out-dir /prune \
 && mkdir -p /out/json /out/dist \
 && cp -R /prune/json/. /out/json/ \
 && cp /prune/package-lock.json /out/json/ \
 && cd /prune/json \
 && for manifest in $(find libs services -name package.json -not -path "*/node_modules/*"); do \
      dir="$(dirname "${manifest}")"; mkdir -p "/out/dist/${dir}"; cp -R "/src/${dir}/dist" "/out/dist/${dir}/dist"; \
    done

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG TINI_VERSION=0.19.0-1
RUN apt-get update \
 && apt-get install -y --no-install-recommends "tini=${TINI_VERSION}" \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 switchboard \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin switchboard
ENV NODE_ENV=production npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /app
COPY --from=build /out/json/ ./
# Production dependencies only; no install scripts run. npm and corepack
# leave the image afterwards: nothing at runtime needs them.
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
COPY --from=build /out/dist/ ./
COPY deploy/docker/run-script.mjs /app/run-script.mjs
WORKDIR /app/services/${SERVICE}
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/run-script.mjs"]
CMD ["start"]
