package dev.keel.sample;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Places {@code sample.place-orders} orders (none by default) once the service has started, then
 * prints {@code placed N orders}: a service started in a JVM of its own that way has a backlog to
 * work through, for the tests that stop it.
 */
@Component
public class StartupOrders implements ApplicationRunner {

    private final OrderService orders;
    private final int count;

    public StartupOrders(OrderService orders, @Value("${sample.place-orders:0}") int count) {
        this.orders = orders;
        this.count = count;
    }

    @Override
    public void run(ApplicationArguments args) {
        if (count == 0) {
            return;
        }
        for (int i = 0; i < count; i++) {
            orders.place(SampleOrders.order(i));
        }
        System.out.println("placed " + count + " orders");
    }
}
