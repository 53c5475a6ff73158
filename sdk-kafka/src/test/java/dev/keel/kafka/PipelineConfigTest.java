package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PipelineConfigTest {

    @Test
    void aConfigKeepsItsValuesAndDefaultsTheBatch() {
        PipelineConfig config = PipelineConfig.builder("in", "group", "tx-1").build();

        assertThat(config.inputTopic()).isEqualTo("in");
        assertThat(config.group()).isEqualTo("group");
        assertThat(config.transactionalId()).isEqualTo("tx-1");
        assertThat(config.maxBatch()).isEqualTo(PipelineConfig.DEFAULT_MAX_BATCH);
        assertThat(PipelineConfig.builder("in", "group", "tx-1").maxBatch(1).build().maxBatch()).isEqualTo(1);
    }

    @Test
    void blankNamesAndAnEmptyBatchAreRefusedAtOnce() {
        assertThatThrownBy(() -> PipelineConfig.builder(" ", "group", "tx")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inputTopic");
        assertThatThrownBy(() -> PipelineConfig.builder("in", "", "tx")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("group");
        assertThatThrownBy(() -> PipelineConfig.builder("in", "group", "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("transactionalId");
        assertThatThrownBy(() -> PipelineConfig.builder("in", "group", "tx").maxBatch(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBatch");
    }
}
