import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the first record of a dead-letter topic the way a Spring Kafka service reads the headers of
 * DeadLetterPublishingRecoverer (KafkaHeaders.DLT_ORIGINAL_*): the partition as a 4-byte int and the
 * offset and timestamp as 8-byte longs, through ByteBuffer; the rest as UTF-8 text. Prints one JSON
 * line. Usage: DltHeaderReader <bootstrap servers> <topic>
 */
public final class DltHeaderReader {
  public static void main(String[] args) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlt-header-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(args[1]));
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          System.out.println(describe(record));
          return;
        }
      }
    }
    System.err.println("no record on " + args[1] + " within 60 s");
    System.exit(1);
  }

  private static String describe(ConsumerRecord<byte[], byte[]> record) {
    return "{\"originalTopic\":" + quote(text(record, "kafka_dlt-original-topic"))
        + ",\"originalPartition\":" + ByteBuffer.wrap(bytes(record, "kafka_dlt-original-partition")).getInt()
        + ",\"originalOffset\":" + ByteBuffer.wrap(bytes(record, "kafka_dlt-original-offset")).getLong()
        + ",\"originalTimestamp\":" + ByteBuffer.wrap(bytes(record, "kafka_dlt-original-timestamp")).getLong()
        + ",\"originalConsumerGroup\":" + quote(text(record, "kafka_dlt-original-consumer-group"))
        + ",\"exceptionFqcn\":" + quote(text(record, "kafka_dlt-exception-fqcn"))
        + ",\"exceptionCauseFqcn\":" + quote(text(record, "kafka_dlt-exception-cause-fqcn"))
        + ",\"exceptionMessage\":" + quote(text(record, "kafka_dlt-exception-message"))
        + ",\"value\":" + quote(new String(record.value(), StandardCharsets.UTF_8))
        + "}";
  }

  /** Like Spring, the last header of a name counts. */
  private static byte[] bytes(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    if (header == null) throw new IllegalStateException("no header " + name);
    return header.value();
  }

  private static String text(ConsumerRecord<byte[], byte[]> record, String name) {
    return new String(bytes(record, name), StandardCharsets.UTF_8);
  }

  private static String quote(String text) {
    StringBuilder json = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') json.append('\\').append(c);
      else if (c < 0x20) json.append(String.format("\\u%04x", (int) c));
      else json.append(c);
    }
    return json.append('"').toString();
  }
}
