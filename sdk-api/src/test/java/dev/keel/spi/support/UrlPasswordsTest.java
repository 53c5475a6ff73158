package dev.keel.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UrlPasswordsTest {

    @Test
    void aUrlShouldBeReadDecodedAsOftenAsItDecodesLeavingAPercentThatStartsNoEscape() {
        assertThat(UrlPasswords.decodedForms("tcp://h?jms.passwor%2564=x"))
                .containsExactly("tcp://h?jms.passwor%2564=x", "tcp://h?jms.passwor%64=x", "tcp://h?jms.password=x");
        assertThat(UrlPasswords.decodedForms("tcp://h?a=100%&b=%zz%4")).containsExactly("tcp://h?a=100%&b=%zz%4");
        assertThat(UrlPasswords.decodedForms("tcp://h?a=%C3%A9")).containsExactly("tcp://h?a=%C3%A9", "tcp://h?a=\u00e9");
    }

    @Test
    void onlyANameHoldingPasswordShouldCountAndTheFoundNameShouldHoldNoValue() {
        assertThat(UrlPasswords.find("tcp://password-host:61616?jms.clientID=password&x=1")).isEmpty();
        assertThat(UrlPasswords.find("tcp://h?jms.password%3DS3CR3Tpassword=x")).contains("the parameter jms.password");
        assertThat(UrlPasswords.find("tcp://h?x%25=1&jms.TrustStorePASSWORD=x"))
                .contains("the parameter jms.TrustStorePASSWORD");
    }

    @Test
    void maskingShouldRunToTheNextAmpersandAndLeaveTheRestAsWritten() {
        assertThat(UrlPasswords.mask("failover:(ssl://a:1?socket.keyStorePassword=S3,CR)3T,ssl://b:2)"
                + "?maxReconnectAttempts=0&jms.passwor%64=S3CR3T&jms.prefetchPolicy.all=10"))
                .isEqualTo("failover:(ssl://a:1?socket.keyStorePassword=****&****&jms.prefetchPolicy.all=10");
        assertThat(UrlPasswords.mask("tcp://password-host:61616?jms.clientID=password&x=1"))
                .isEqualTo("tcp://password-host:61616?jms.clientID=password&x=1");
    }

    /**
     * Sixth review (first in the Spring Boot starter): a value was masked only up to a , or ) (the clients read both
     * as part of it), and a password parameter whose name was percent-encoded (the clients decode names, Classic's
     * twice) was not masked at all.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tcp://h:61616?jms.password=PRE0,S3CR3T", "tcp://h:61616?jms.password=PRE0)S3CR3T",
        "tcp://h:61616?jms.userName=admin&jms.passwor%64=S3CR3T", "tcp://h:61616?jms.%70assword=S3CR3T",
        "tcp://h:61616?jms.password%3DS3CR3T", "tcp://h:61616?jms.passwor%2564=S3CR3T",
        "failover:(ssl://h:61617?socket.trustStorePasswor%64=S3CR3T)?maxReconnectAttempts=0"})
    void aPasswordParameterShouldBeMaskedToTheNextAmpersandHoweverItsNameIsEncoded(String url) {
        assertThat(UrlPasswords.mask(url, "******")).doesNotContain("S3CR3T").doesNotContain("PRE0");
    }

    /**
     * Sixth review: a password in a URL's user info ({@code tcp://user:password@host}) was shown by the CLI's header and
     * the starter's configprops for an Artemis URL (Classic refuses such a URL); the user stays, the password does not.
     */
    @Test
    void aPasswordInTheUserInfoOfEachUriShouldBeMasked() {
        assertThat(UrlPasswords.mask("tcp://admin:S3CR3T@h:61616?x=1", "******"))
                .isEqualTo("tcp://admin:******@h:61616?x=1");
        assertThat(UrlPasswords.mask("failover:(tcp://a:S3CR3T@h1:1,ssl://b:S3%40CR3T@h2:2)?y=1", "******"))
                .isEqualTo("failover:(tcp://a:******@h1:1,ssl://b:******@h2:2)?y=1");
        assertThat(UrlPasswords.mask("tcp://admin@h:61616", "******")).isEqualTo("tcp://admin@h:61616");
    }

    @Test
    void theCallersMaskShouldStandForEachValueAndNullShouldStayNull() {
        assertThat(UrlPasswords.mask("tcp://h:61616?jms.userName=admin&jms.passwor%64=S3CR3T&x=1%26jms.password%3DS3"
                + "&trustStorePassword=S3,CR)3T&y=1", "******")).isEqualTo("tcp://h:61616?jms.userName=admin&******"
                + "&x=******&trustStorePassword=******&y=1");
        assertThat(UrlPasswords.mask("tcp://password-host:61616?jms.clientID=password&x=1", "******"))
                .isEqualTo("tcp://password-host:61616?jms.clientID=password&x=1");
        assertThat(UrlPasswords.mask(null, "******")).isNull();
        assertThat(UrlPasswords.mask(null)).isNull();
    }

    /**
     * Review: a password under a misspelled or look-alike name ({@code jms.pasword=}, {@code jms.pa%C5%BFsword=})
     * is no password parameter, and {@link UrlPasswords#mask} showed it. {@code maskValues} masks every query value,
     * whatever its name; a name that is not plain is masked with its value.
     */
    @Test
    void maskValuesShouldMaskEveryQueryValueWhateverItsName() {
        assertThat(UrlPasswords.maskValues("tcp://127.0.0.1:61616?jms.userName=orders&jms.pasword=Hunter2secret"))
                .isEqualTo("tcp://127.0.0.1:61616?jms.userName=****&jms.pasword=****");
        assertThat(UrlPasswords.maskValues("tcp://h:61616?jms.pa%C5%BFsword=s3cr3tC4&x", "***"))
                .isEqualTo("tcp://h:61616?***=***&x");
        assertThat(UrlPasswords.maskValues("failover:(tcp://a:1,tcp://b:2)?maxReconnectAttempts=0&jms.pass%3Dwd"))
                .isEqualTo("failover:(tcp://a:1,tcp://b:2)?maxReconnectAttempts=****&****");
        assertThat(UrlPasswords.maskValues("ssl://u:pw1@h:61617?a=b")).isEqualTo("ssl://u:****@h:61617?a=****");
        assertThat(UrlPasswords.maskValues("tcp://h:61616")).isEqualTo("tcp://h:61616");
        assertThat(UrlPasswords.maskValues(null)).isNull();
    }
    /**
     * Review (F7): user info was found only when its password held none of {@code / ? # , ( )}, so
     * {@code tcp://keel:S3,CRET@host} passed ActiveMQ Classic's check and was shown whole by toString. User info is
     * anything between {@code ://} and the first {@code @} after it (before the next {@code ://}); an {@code @} in a
     * query value is none.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tcp://keel:S3,CRET@127.0.0.1:61616", "tcp://keel:S3/CRET@127.0.0.1:61616",
        "failover:(tcp://keel:S3(CRET@127.0.0.1:61616)?maxReconnectAttempts=0", "tcp://keel:S3)#CRET@127.0.0.1:61616",
        "ssl://keel:S3:CRET@127.0.0.1:61617", "failover:(tcp://h:1,tcp://keel:S3,CRET@127.0.0.1:61616)"})
    void userInfoShouldRunToTheFirstAtSignWhateverThePasswordHolds(String url) {
        assertThat(UrlPasswords.holdsUserInfo(url)).isTrue();
        assertThat(UrlPasswords.mask(url)).doesNotContain("S3").doesNotContain("CRET").contains("keel:****@127.0.0.1");
    }

    @Test
    void anAtSignInAQueryValueOrAUrlWithoutOneShouldBeNoUserInfo() {
        assertThat(UrlPasswords.holdsUserInfo("tcp://h:61616?jms.clientID=orders@eu")).isFalse();
        assertThat(UrlPasswords.mask("tcp://h:61616?jms.clientID=orders@eu")).isEqualTo("tcp://h:61616?jms.clientID=orders@eu");
        assertThat(UrlPasswords.holdsUserInfo("failover:(tcp://a:1,tcp://b:2)?maxReconnectAttempts=0")).isFalse();
        assertThat(UrlPasswords.holdsUserInfo("tcp://admin@h:61616")).isTrue();
    }

    /**
     * Review (F6): a value that failed to parse was quoted whole when its scheme was mistyped or missing (the masking
     * looked for {@code ://}), or when the password was a parameter. Shown now: what is left with everything before the
     * last {@code @} masked and every query value masked.
     */
    @Test
    void aRefusedValueShouldBeShownWithoutItsUserInfoOrQueryValuesWhateverItsShape() {
        assertThat(UrlPasswords.maskRefused("redis//u:S3CRET@127.0.0.1:6395")).isEqualTo("redis//****@127.0.0.1:6395");
        assertThat(UrlPasswords.maskRefused("u:S3CRET@127.0.0.1:6395")).isEqualTo("****@127.0.0.1:6395");
        assertThat(UrlPasswords.maskRefused("http://u:S3CRET@127.0.0.1:6395")).isEqualTo("http://****@127.0.0.1:6395");
        assertThat(UrlPasswords.maskRefused("redis://u:S3CRET%zz@127.0.0.1:6395")).isEqualTo("redis://****@127.0.0.1:6395");
        assertThat(UrlPasswords.maskRefused("redis://u:S3/CR@ET@h:1/x")).isEqualTo("redis://****@h:1/x");
        assertThat(UrlPasswords.maskRefused("failover:(tcp://a:S3CRET@h1:1,tcp://h2:2)"))
                .isEqualTo("****@h1:1,tcp://h2:2)");
        assertThat(UrlPasswords.maskRefused("redis://127.0.0.1:6395?password=S3CRET"))
                .isEqualTo("redis://127.0.0.1:6395?password=****");
        assertThat(UrlPasswords.maskRefused("127.0.0.1:9092?password=S3CRET")).isEqualTo("127.0.0.1:9092?password=****");
        assertThat(UrlPasswords.maskRefused("127.0.0.1:9092;password=S3CRET")).doesNotContain("S3CRET");
        assertThat(UrlPasswords.maskRefused("redis//127.0.0.1:6395")).isEqualTo("redis//127.0.0.1:6395");
        assertThat(UrlPasswords.maskRefused(null)).isNull();
    }

    @Test
    void aHostSettingWithUserInfoShouldBeRefusedSayingWhereCredentialsGoWithoutQuotingIt() {
        assertThatThrownBy(() -> UrlPasswords.requireNoUserInfo("nameServer", "ak:S3CRET@127.0.0.1:9876",
                "give the access key with credentials(accessKey, secretKey)"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nameServer").hasMessageContaining("credentials(accessKey, secretKey)")
                .hasMessageNotContaining("S3CRET").hasMessageNotContaining("ak:");
        assertThat(UrlPasswords.requireNoUserInfo("nameServer", "127.0.0.1:9876", "x")).isEqualTo("127.0.0.1:9876");
        assertThat(UrlPasswords.requireNoUserInfo("nameServer", null, "x")).isNull();
    }
}
