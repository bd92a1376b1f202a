-- The points reference_histories_test compares, one line each, numbers with
-- 17 significant digits (enough to tell any two doubles apart). Shared by
-- gen_reference_histories.sh and the test, which reads the query below.
-- query
SELECT e.name || '|' || r.optimizer || '|' || r.label || '|' || r.seed || '|' ||
       printf('%!.17g', r.lr) || '|' || m.split || '|' || m.name || '|' || m.step || '|' ||
       printf('%!.17g', m.value) AS line
FROM metrics m JOIN runs r ON r.id = m.run_id JOIN experiments e ON e.id = r.experiment_id
WHERE m.name NOT LIKE '%seconds%'
ORDER BY e.name, r.optimizer, r.label, r.seed, r.lr, m.split, m.name, m.step;
