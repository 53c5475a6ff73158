package com.example.orders;

/** An order event, JSON on the wire: {"id":"order-1","cents":4250}. */
public record Order(String id, long cents) {
}
