#!/usr/bin/env bash
# Puts Apache Kafka's broker jars (org.apache.kafka:kafka_2.13 and its runtime dependencies, plus a
# log4j2 backend) into .kafka/libs/ (git-ignored) with Maven, for scripts/kafka/broker.ts.
# Idempotent: does nothing when the jars for the current pom.xml are already there.
# Installs a JRE and Maven with apt-get when they are missing and we are root (CI).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "kafka: installing a JRE and Maven"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null
  else
    echo "kafka: java and mvn are needed (install a JDK 17+ and Maven)" >&2
    exit 1
  fi
fi

stamp=".kafka/libs/.pom.sha256"
want="$(sha256sum scripts/kafka/pom.xml | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "kafka: jars already in .kafka/libs"
  exit 0
fi

rm -rf .kafka/libs
mvn -q -B -f scripts/kafka/pom.xml dependency:copy-dependencies \
  -DoutputDirectory="$PWD/.kafka/libs" -DincludeScope=runtime
echo "$want" > "$stamp"
echo "kafka: $(ls .kafka/libs/*.jar | wc -l) jars in .kafka/libs"
