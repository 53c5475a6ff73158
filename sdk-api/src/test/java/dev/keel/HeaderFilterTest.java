package dev.keel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderFilterTest {

    private static final HeaderFilter EU_OR_US_GOLD = HeaderFilter.in("region", "eu", "us")
            .and(HeaderFilter.equalTo("tier", "gold"));

    @Test
    void messageShouldMatchOnlyWhenEveryConditionHolds() {
        assertThat(EU_OR_US_GOLD.matches(Map.of("region", "eu", "tier", "gold", "other", "x"))).isTrue();
        assertThat(EU_OR_US_GOLD.matches(Map.of("region", "us", "tier", "gold"))).isTrue();
        assertThat(EU_OR_US_GOLD.matches(Map.of("region", "asia", "tier", "gold"))).isFalse();
        assertThat(EU_OR_US_GOLD.matches(Map.of("region", "eu", "tier", "silver"))).isFalse();
        assertThat(EU_OR_US_GOLD.matches(Map.of("tier", "gold"))).as("header missing").isFalse();
        assertThat(HeaderFilter.equalTo("region", "eu").matches(Map.of("region", "EU"))).as("case-sensitive")
                .isFalse();
    }

    @Test
    void sql92ShouldQuoteValuesAndRequireTheProperty() {
        assertThat(EU_OR_US_GOLD.toSql92()).isEqualTo(
                "(region IS NOT NULL AND region IN ('eu', 'us')) AND (tier IS NOT NULL AND tier = 'gold')");
        assertThat(HeaderFilter.equalTo("name", "o'brien").toSql92())
                .isEqualTo("(name IS NOT NULL AND name = 'o''brien')");
    }

    @Test
    void filtersShouldBeValuesWhateverTheOrderOfTheirParts() {
        HeaderFilter same = HeaderFilter.equalTo("tier", "gold").and(HeaderFilter.in("region", List.of("us", "eu")));
        assertThat(same).isEqualTo(EU_OR_US_GOLD).hasSameHashCodeAs(EU_OR_US_GOLD);
        assertThat(HeaderFilter.equalTo("tier", "gold")).isNotEqualTo(EU_OR_US_GOLD);
    }

    @Test
    void invalidNamesAndValuesShouldFailWithWhatIsAllowed() {
        assertThatThrownBy(() -> HeaderFilter.equalTo("keel-id", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[A-Za-z0-9_]");
        assertThatThrownBy(() -> HeaderFilter.equalTo("1st", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HeaderFilter.equalTo("and", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keyword");
        assertThatThrownBy(() -> HeaderFilter.equalTo("region", "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1-1024 characters");
        assertThatThrownBy(() -> HeaderFilter.in("region")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1-100 values");
        assertThatThrownBy(() -> HeaderFilter.equalTo("region", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void priorityShouldBeValidatedAndKeptByToBuilder() {
        Message message = Message.builder(new byte[0]).priority(9).build();
        assertThat(message.priority()).isEqualTo(9);
        assertThat(message.toBuilder().build()).isEqualTo(message).hasSameHashCodeAs(message);
        assertThat(Message.builder(new byte[0]).build().priority()).isNull();
        assertThat(message).isNotEqualTo(Message.builder(new byte[0]).priority(1).build());
        assertThatThrownBy(() -> Message.builder(new byte[0]).priority(10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 9]");
        assertThatThrownBy(() -> TopicSpec.builder("t").maxPriority(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
