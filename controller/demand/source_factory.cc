#include <random>

#include "controller/demand/demand_source.h"
#include "controller/demand/external_source.h"
#include "controller/demand/http_json_source.h"
#include "controller/demand/nats_source.h"
#include "controller/demand/prometheus_source.h"
#include "controller/demand/rabbitmq_source.h"
#include "controller/demand/random_source.h"
#include "controller/demand/redis_list_source.h"
#include "controller/demand/redis_stream_source.h"
#include "controller/demand/static_source.h"

namespace microscale {
namespace {

absl::Duration Timeout(const DemandSpec& demand) {
  return demand.timeout_seconds > 0 ? absl::Seconds(demand.timeout_seconds) : absl::Seconds(2);
}

}  // namespace

absl::StatusOr<std::unique_ptr<DemandSource>> MakeDemandSource(const AppSpec& app) {
  const DemandSpec& demand = app.demand;
  switch (demand.source) {
    case DemandSourceKind::kStatic:
      return std::make_unique<StaticDemandSource>(demand.value.value_or(0));
    case DemandSourceKind::kRandom: {
      uint64_t seed = demand.random.seed ? *demand.random.seed : std::random_device{}();
      return std::make_unique<RandomWalkDemandSource>(demand.random, seed);
    }
    case DemandSourceKind::kPrometheus:
      return PrometheusDemandSource::Create(demand.prometheus, Timeout(demand));
    case DemandSourceKind::kRedisList:
      return RedisListDemandSource::Create(demand.redis_list, Timeout(demand));
    case DemandSourceKind::kHttpJson:
      return HttpJsonDemandSource::Create(demand.http_json, Timeout(demand));
    case DemandSourceKind::kRedisStream:
      return RedisStreamDemandSource::Create(demand.redis_stream, Timeout(demand),
                                             demand.queue.has_value());
    case DemandSourceKind::kRabbitMq:
      return RabbitMqDemandSource::Create(demand.rabbitmq, Timeout(demand));
    case DemandSourceKind::kNats:
      return NatsDemandSource::Create(demand.nats, Timeout(demand));
    case DemandSourceKind::kExternal:
      return ExternalDemandSource::Create(app.name, demand.external, Timeout(demand));
  }
  return absl::InvalidArgumentError("demand.source names no known source");
}

}  // namespace microscale
