package dev.cacheaside.spring;

import dev.cacheaside.CacheAside;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToLongFunction;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Change-stream invalidation with {@code cacheaside.cdc.enabled=true}: a
 * {@link ChangeStreamLifecycle} (the module {@code cache-aside-debezium}'s consumer, started
 * and stopped with the application), its state in the {@code cacheAside} health details and,
 * with a {@link MeterRegistry}, as meters. Without the module the start fails naming it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = CacheAsideProperties.PREFIX + ".cdc", name = "enabled", havingValue = "true")
class CacheAsideChangeStreamConfiguration {

    /** The class whose presence says the module is on the class path. */
    static final String CONSUMER_CLASS = "dev.cacheaside.debezium.ChangeStreamConsumer";

    /** The consumer, when the module is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = CONSUMER_CLASS)
    static class Consumer {

        @Bean
        ChangeStreamLifecycle cacheAsideChangeStream(CacheAsideProperties properties, Environment environment,
                                                     CacheAside cacheAside,
                                                     ObjectProvider<CacheAsideAutoConfiguration.StarterStore> store) {
            CacheAsideAutoConfiguration.StarterStore made = store.getIfAvailable();
            return ChangeStreams.create(properties, environment, cacheAside,
                    made == null ? null : made.storeOf(cacheAside));
        }
    }

    /** Refuses the start when the module is missing. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass(CONSUMER_CLASS)
    static class ModuleMissing {

        @Bean
        Object cacheAsideChangeStreamModuleMissing() {
            throw StartChecks.changeStreamModuleMissing();
        }
    }

    /** The consumer's meters, when the application has a Micrometer registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {CONSUMER_CLASS, "io.micrometer.core.instrument.MeterRegistry"})
    @ConditionalOnBean(type = "io.micrometer.core.instrument.MeterRegistry")
    static class Meters {

        @Bean
        ChangeStreamMeters cacheAsideChangeStreamMeters(ChangeStreamLifecycle changeStream,
                                                        ObjectProvider<MeterRegistry> registry,
                                                        CacheAsideProperties properties) {
            MeterRegistry r = registry.getIfUnique();
            if (r != null) {
                ChangeStreamMeters.bind(changeStream, r, properties.getMetrics().getName());
            }
            return new ChangeStreamMeters(r != null);
        }
    }

    /**
     * The consumer's meters, tagged {@code name}: {@code cacheaside.cdc.status} (a gauge per
     * {@code status} tag, 1 for the current state, 0 for the others), and the counters
     * {@code cacheaside.cdc.invalidations}, {@code cacheaside.cdc.conservative.invalidations},
     * {@code cacheaside.cdc.leaderships} and {@code cacheaside.cdc.source.failures}.
     */
    static final class ChangeStreamMeters {
        final boolean bound;

        ChangeStreamMeters(boolean bound) {
            this.bound = bound;
        }

        static void bind(ChangeStreamStatus status, MeterRegistry registry, String name) {
            for (String state : ChangeStreamStatus.STATES) {
                Gauge.builder("cacheaside.cdc.status", status, s -> state.equals(s.status()) ? 1 : 0)
                        .description("1 when the change-stream consumer is in this state")
                        .tag("name", name).tag("status", state)
                        .register(registry);
            }
            counter(registry, name, "cacheaside.cdc.invalidations", "table invalidations delivered by the change stream",
                    status, ChangeStreamStatus::invalidations);
            counter(registry, name, "cacheaside.cdc.conservative.invalidations",
                    "invalidations of every watched table (start without a usable position, or a gap)",
                    status, ChangeStreamStatus::conservativeInvalidations);
            counter(registry, name, "cacheaside.cdc.leaderships", "times this instance took the leader lease",
                    status, ChangeStreamStatus::leaderships);
            counter(registry, name, "cacheaside.cdc.source.failures", "failures of the change source here",
                    status, ChangeStreamStatus::sourceFailures);
        }

        private static void counter(MeterRegistry registry, String name, String meter, String description,
                                    ChangeStreamStatus status, ToLongFunction<ChangeStreamStatus> count) {
            FunctionCounter.builder(meter, status, s -> count.applyAsLong(s))
                    .description(description).tag("name", name).register(registry);
        }
    }
}
