package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.dedup.jdbc.JdbcStoreConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The configs validate each value as it is set, and are values. */
class OutboxConfigTest {

    @Test
    void invalidValuesShouldBeRejectedWithWhatIsAllowed() {
        assertThatThrownBy(() -> OutboxConfig.custom().tablePrefix("keel; DROP TABLE x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tablePrefix");
        assertThatThrownBy(() -> OutboxConfig.custom().batchSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> OutboxConfig.custom().lanesPerRound(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lanesPerRound");
        assertThatThrownBy(() -> OutboxConfig.custom().workers(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workers");
        assertThatThrownBy(() -> OutboxConfig.custom().workers(OutboxConfig.MAX_WORKERS + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workers");
        assertThatThrownBy(() -> OutboxConfig.custom().pollInterval(Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pollInterval");
        assertThatThrownBy(() -> OutboxConfig.custom().confirmTimeout(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("confirmTimeout");
        assertThatThrownBy(() -> JdbcStoreConfig.custom().purgeBatchSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("purgeBatchSize");
        assertThatThrownBy(() -> JdbcStoreConfig.custom().tablePrefix("1abc"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tablePrefix");
    }

    @Test
    void configsShouldBeValuesAndCopyable() {
        OutboxConfig config = OutboxConfig.custom().tablePrefix("app_").batchSize(10).workers(2).build();

        assertThat(OutboxConfig.from(config).build()).isEqualTo(config).hasSameHashCodeAs(config);
        assertThat(config).isNotEqualTo(OutboxConfig.ofDefaults());
        assertThat(JdbcStoreConfig.from(JdbcStoreConfig.ofDefaults()).build()).isEqualTo(JdbcStoreConfig.ofDefaults());
        assertThat(OutboxConfig.ofDefaults().tablePrefix()).isEqualTo(OutboxConfig.DEFAULT_TABLE_PREFIX);
        assertThat(OutboxConfig.from(config).build().workers()).isEqualTo(2);
        assertThat(OutboxConfig.ofDefaults().workers()).isEqualTo(OutboxConfig.DEFAULT_WORKERS);
    }

    @Test
    void theDatabaseTimeoutShouldDefaultTo30SecondsBeValidatedAndKeptByCopies() {
        OutboxConfig config = OutboxConfig.custom().databaseTimeout(Duration.ofSeconds(5)).build();

        assertThat(OutboxConfig.ofDefaults().databaseTimeout()).isEqualTo(OutboxConfig.DEFAULT_DATABASE_TIMEOUT)
                .hasSeconds(30);
        assertThat(OutboxConfig.from(config).build()).isEqualTo(config).hasSameHashCodeAs(config);
        assertThat(config).isNotEqualTo(OutboxConfig.ofDefaults());
        assertThat(config.toString()).contains("databaseTimeout=PT5S");
        assertThatThrownBy(() -> OutboxConfig.custom().databaseTimeout(Duration.ofMillis(999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("databaseTimeout");
        assertThatThrownBy(() -> OutboxConfig.custom().databaseTimeout(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("databaseTimeout");
    }

    @Test
    void listeningShouldBeOnByDefaultAndKeptByCopies() {
        OutboxConfig pollOnly = OutboxConfig.custom().listen(false).build();

        assertThat(OutboxConfig.ofDefaults().listen()).isTrue();
        assertThat(pollOnly.listen()).isFalse();
        assertThat(OutboxConfig.from(pollOnly).build()).isEqualTo(pollOnly);
        assertThat(pollOnly).isNotEqualTo(OutboxConfig.ofDefaults());
        assertThat(pollOnly.toString()).contains("listen=false");
    }
}
