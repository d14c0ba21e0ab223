// Public API of core/sign. Other modules import only this file.
export {};
