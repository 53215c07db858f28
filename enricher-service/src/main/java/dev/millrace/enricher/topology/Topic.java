package dev.millrace.enricher.topology;

import org.apache.kafka.common.serialization.Serde;

/** A Kafka topic with the types of its keys and values. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {}
