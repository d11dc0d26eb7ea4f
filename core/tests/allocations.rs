//! A warm evaluator allocates nothing for the rules: every value, list, map,
//! text and trace record of a decision lives in memory it reuses.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use hazard_rules::{Input, Ruleset, Section, TraceMode};

/// Counts allocations made while `COUNTING` is set (on any thread; the test
/// runs alone in its process, as the only test of this file).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_warm_evaluator_does_not_allocate() {
    let rs = Ruleset::default();
    let inputs: Vec<Input> = [
        // Every section, as in the benchmark record.
        r#"{"hazard": {"sector": "light_industry", "items": ["GM17-1-1"], "found_on": "2021-09-01",
            "listing": {"level": "county", "listed_on": "2021-09-01"},
            "enterprise": {"name": "某木制品厂", "principal": {"name": "赵永强", "backup": "钱海", "absent": true}},
            "location": {"township": "城北街道", "village": "三江村", "grid": "第2网格", "grid_member": {"name": "王丽"}},
            "events": [{"stage": "found", "on": "2021-09-01"}, {"stage": "assigned", "on": "2021-09-02"}]},
          "accident": {"deaths": 3, "serious_injuries": 4, "direct_loss_cny": 5000000, "occurred_on": "2021-09-03"},
          "warning": {"typhoon": {"within_hours": 12, "sustained_force": 10}, "signals": {"rainstorm": "orange", "fire": "yellow"}},
          "risk": {"points": [{"method": "LEC", "l": 6, "e": 6, "c": 15}, {"method": "LS", "l": 4, "s": 5}],
                   "unit": {"sector_group": "other", "standardisation_grade": 2, "open_major_hazards": 1},
                   "region": {"unit_colours": ["red", "blue", "blue"]}},
          "township": {"industrial_enterprises": 120, "safety_staff": 2}}"#,
        r#"{"hazard": {"sector": "metallurgy", "found_on": "2024-01-05", "facts": {"fixed_on_spot": true}}}"#,
    ]
    .iter()
    .map(|t| Input::from_json(t).unwrap())
    .collect();
    let as_of = "2024-06-30".parse().unwrap();
    let mut ev = rs.evaluator();
    for mode in [TraceMode::Full, TraceMode::Ids, TraceMode::Off] {
        // Warm up: the scratch memory grows to what these records need.
        for _ in 0..3 {
            for input in &inputs {
                let out = ev.run(input, as_of, &Section::ALL, mode).unwrap();
                assert!(out.fired().count() > 0 || mode == TraceMode::Off);
            }
        }
        ALLOCATIONS.store(0, Ordering::Relaxed);
        COUNTING.store(true, Ordering::Relaxed);
        let mut fired = 0;
        for _ in 0..50 {
            for input in &inputs {
                let out = ev.run(input, as_of, &Section::ALL, mode).unwrap();
                fired += out.fired().count();
            }
        }
        COUNTING.store(false, Ordering::Relaxed);
        let n = ALLOCATIONS.load(Ordering::Relaxed);
        assert!(fired > 0 || mode == TraceMode::Off);
        assert_eq!(n, 0, "{mode:?}: {n} allocations in 100 warm decisions");
    }
}
