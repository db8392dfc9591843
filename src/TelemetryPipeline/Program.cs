// Wiring only; verbs are added as their stages land.
return 0;
