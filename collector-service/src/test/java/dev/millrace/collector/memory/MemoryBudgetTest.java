package dev.millrace.collector.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

  private final MemoryBudget budget = new MemoryBudget(1000);

  @Test
  void aReservationThatDoesNotFitIsRefusedWholeAndReservesNothing() {
    MemoryBudget.Lease a = budget.lease();
    MemoryBudget.Lease b = budget.lease();

    assertThat(a.tryReserve(700)).isTrue();
    assertThat(b.tryReserve(301)).isFalse();
    assertThatThrownBy(() -> b.reserve(400)).isInstanceOf(OverBudgetException.class);
    assertThat(budget.reservedBytes()).isEqualTo(700);
    assertThat(b.heldBytes()).isZero();

    assertThat(b.tryReserve(300)).isTrue();
    assertThat(budget.reservedBytes()).isEqualTo(1000);
    a.release(200);
    assertThat(b.tryReserve(200)).isTrue();
    assertThat(budget.peakBytes()).isEqualTo(1000);
  }

  @Test
  void closingALeaseGivesBackAllItHoldsOnceAndEndsIt() {
    MemoryBudget.Lease lease = budget.lease();
    lease.reserve(600);

    lease.close();
    lease.close();
    lease.release(600);

    assertThat(budget.reservedBytes()).isZero();
    assertThat(lease.tryReserve(1)).as("a closed lease reserves nothing more").isFalse();
    assertThat(budget.reservedBytes()).isZero();
  }

  @Test
  void aLeaseReleasesAtMostWhatItHolds() {
    MemoryBudget.Lease other = budget.lease();
    other.reserve(500);
    MemoryBudget.Lease lease = budget.lease();
    lease.reserve(100);

    lease.release(10_000);

    assertThat(budget.reservedBytes()).isEqualTo(500);
  }

  @Test
  void underConcurrentUseTheBudgetIsNeverExceededAndEndsEmpty() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Integer>> refusals = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int seed = t;
      refusals.add(pool.submit(() -> {
        Random random = new Random(seed);
        int refused = 0;
        for (int i = 0; i < 5_000; i++) {
          try (MemoryBudget.Lease lease = budget.lease()) {
            for (int step = 0; step < 3; step++) {
              if (!lease.tryReserve(1 + random.nextInt(300))) {
                refused++;
              }
              assertThat(budget.reservedBytes()).isLessThanOrEqualTo(1000);
            }
            lease.release(random.nextInt(200));
          }
        }
        return refused;
      }));
    }
    int refused = 0;
    for (Future<Integer> f : refusals) {
      refused += f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();

    assertThat(refused).as("8 threads asking up to 900 bytes each must collide").isPositive();
    assertThat(budget.peakBytes()).isLessThanOrEqualTo(1000);
    assertThat(budget.reservedBytes()).isZero();
  }
}
