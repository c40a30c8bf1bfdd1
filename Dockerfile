# The Talash API and worker image: Node 20 on Debian, with faiss from Debian's packages.
FROM node:20-bookworm-slim

RUN apt-get update \
  && apt-get install -y --no-install-recommends libfaiss-dev liblapack-dev libblas-dev g++ make python3 \
  && rm -rf /var/lib/apt/lists/*
# npm 11 honours "allowScripts" in package.json, which skips faiss-node's download script.
RUN npm install -g npm@11

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# One OpenMP thread per faiss search: under load, more threads per query made search slower.
ENV NODE_ENV=production PORT=8080 OMP_NUM_THREADS=1
EXPOSE 8080
USER node
# node, not npm, receives the container's SIGTERM and shuts the server and its worker down cleanly.
CMD ["node", "--import", "tsx", "api/src/main.ts", "--api-only"]
