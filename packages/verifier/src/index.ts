// @provenant/verifier public API: policy parse -> compile -> match -> decide, promotion, admission.
export {};
