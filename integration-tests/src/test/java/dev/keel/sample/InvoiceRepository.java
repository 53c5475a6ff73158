package dev.keel.sample;

import java.util.regex.Pattern;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The billing tables, in the schema {@code sample.schema} (created at startup if absent):
 * {@code invoices}, one row per invoice, and {@code billing_executions}, one row per run of the
 * billing handler. Neither has a unique constraint on the order id, so a repeated effect shows as a
 * second row instead of being hidden by a failed insert.
 */
@Repository
public class InvoiceRepository {

    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final JdbcTemplate jdbc;
    private final String schema;

    public InvoiceRepository(JdbcTemplate jdbc, @Value("${sample.schema:billing}") String schema) {
        if (!SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("sample.schema must be a lower-case SQL identifier, not '" + schema + "'");
        }
        this.jdbc = jdbc;
        this.schema = schema;
        jdbc.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
        jdbc.execute("CREATE TABLE IF NOT EXISTS " + schema + ".invoices (invoice_id BIGSERIAL PRIMARY KEY,"
                + " order_id TEXT NOT NULL, customer_id TEXT NOT NULL, amount_cents BIGINT NOT NULL,"
                + " billed_at TIMESTAMPTZ NOT NULL DEFAULT now())");
        jdbc.execute("CREATE TABLE IF NOT EXISTS " + schema + ".billing_executions (order_id TEXT NOT NULL,"
                + " attempt INT NOT NULL, executed_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    }

    /** Records one run of the billing handler, committed on its own before the invoice. */
    void recordExecution(String orderId, int attempt) {
        jdbc.update("INSERT INTO " + schema + ".billing_executions (order_id, attempt) VALUES (?, ?)", orderId, attempt);
    }

    void insertInvoice(String orderId, String customerId, long amountCents) {
        jdbc.update("INSERT INTO " + schema + ".invoices (order_id, customer_id, amount_cents) VALUES (?, ?, ?)",
                orderId, customerId, amountCents);
    }
}
