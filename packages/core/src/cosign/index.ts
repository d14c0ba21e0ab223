// Public API of core/cosign. Other modules import only this file.
export {};
