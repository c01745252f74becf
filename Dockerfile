# saker: build with the dev toolchain, run with production dependencies only, as an unprivileged user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
# `npm ci` runs `prepare`, which compiles TypeScript into dist/.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/rules ./rules
USER node
EXPOSE 2801
# `saker health` finds /healthz where the configuration puts it (LISTENPORT, TLS, tlsserver.notlspaths).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "dist/src/cli.js", "health"]
# --max-semi-space-size: see src/node-flags.ts.
ENTRYPOINT ["node", "--max-semi-space-size=8", "dist/src/cli.js"]
CMD ["run"]
